using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Hub.Referrals;

/// <summary>The one way a lifecycle enum becomes the string stored in tables, audit rows and Task JSON, and back. The
/// spelling is the member's <see cref="JsonStringEnumMemberNameAttribute"/>, the same one durable history uses, so a
/// value is spelled alike everywhere it is kept.</summary>
public static class StoredSpelling
{
    private static readonly ConcurrentDictionary<Type, (IReadOnlyDictionary<Enum, string> ToText, IReadOnlyDictionary<string, Enum> FromText)> Maps = new();

    public static string Spelling<T>(this T value) where T : struct, Enum =>
        Map(typeof(T)).ToText.TryGetValue(value, out var text) ? text : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no such value.");

    public static T Parse<T>(string text) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new FormatException($"'{text}' is not a stored {typeof(T).Name}.");

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        if (text is not null && Map(typeof(T)).FromText.TryGetValue(text, out var found))
        {
            value = (T)found;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Null for null or a spelling this version does not know (read paths stay lenient with old rows).</summary>
    public static T? ParseOrNull<T>(string? text) where T : struct, Enum => TryParse<T>(text, out var value) ? value : null;

    public static IReadOnlyList<T> All<T>() where T : struct, Enum => Enum.GetValues<T>();

    private static (IReadOnlyDictionary<Enum, string> ToText, IReadOnlyDictionary<string, Enum> FromText) Map(Type type) => Maps.GetOrAdd(type, t =>
    {
        var toText = new Dictionary<Enum, string>();
        var fromText = new Dictionary<string, Enum>(StringComparer.Ordinal);
        foreach (var field in t.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var value = (Enum)field.GetValue(null)!;
            var text = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                       ?? throw new InvalidOperationException($"{t.Name}.{field.Name} has no stored spelling ([JsonStringEnumMemberName]).");
            toText[value] = text;
            fromText[text] = value;
        }

        return (toText, fromText);
    });
}
