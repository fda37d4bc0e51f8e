namespace Hub.Platform.Storage;

/// <summary>Table keys may not hold '/', '\', '#', '?' or control characters; ids from a URL are checked before use.</summary>
public static class TableKeys
{
    public static bool IsSafe(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= 256 && !key.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}
