using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hub.Infra.Tests;

/// <summary>Reading the ARM JSON that <c>bicep build</c> writes: resources of every module (nested deployment), by type.</summary>
internal static partial class ArmTemplate
{
    /// <summary>Every resource in the template and, recursively, in the inline templates of its modules.
    /// Handles both the classic array form and the symbolic-name (languageVersion 2.0) object form of <c>resources</c>.</summary>
    public static IEnumerable<JsonElement> AllResources(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        var items = resources.ValueKind switch
        {
            JsonValueKind.Array => resources.EnumerateArray().ToList(),
            JsonValueKind.Object => resources.EnumerateObject().Select(p => p.Value).ToList(),
            _ => [],
        };

        foreach (var resource in items)
        {
            yield return resource;
            if (TypeOf(resource).Equals("Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
                && Find(resource, "properties", "template") is { ValueKind: JsonValueKind.Object } nested)
            {
                foreach (var inner in AllResources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    public static IReadOnlyList<JsonElement> OfType(JsonElement template, string type) =>
        AllResources(template).Where(r => TypeOf(r).Equals(type, StringComparison.OrdinalIgnoreCase)).ToList();

    public static string TypeOf(JsonElement resource) =>
        resource.TryGetProperty("type", out var type) ? type.GetString() ?? string.Empty : string.Empty;

    /// <summary>The last segment of a resource's name: "ftp" for both <c>site/ftp</c> and <c>[format('{0}/{1}', parameters('name'), 'ftp')]</c>.
    /// Null when that segment is itself an expression.</summary>
    public static string? LastNameSegment(JsonElement resource)
    {
        var name = Find(resource, "name")?.GetString() ?? string.Empty;
        if (!name.StartsWith('['))
        {
            return name[(name.LastIndexOf('/') + 1)..];
        }

        var literal = TrailingLiteralArgument().Match(name);
        return literal.Success ? literal.Groups["segment"].Value : null;
    }

    /// <summary>Follows property names, ignoring case as ARM does. Null when any step is missing.</summary>
    public static JsonElement? Find(JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var next = current.EnumerateObject().FirstOrDefault(p => p.Name.Equals(step, StringComparison.OrdinalIgnoreCase));
            if (next.Value.ValueKind == JsonValueKind.Undefined)
            {
                return null;
            }

            current = next.Value;
        }

        return current;
    }

    public static string? FindString(JsonElement element, params string[] path) =>
        Find(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool IsTrue(JsonElement element, params string[] path) =>
        Find(element, path) is { ValueKind: JsonValueKind.True };

    public static bool IsFalse(JsonElement element, params string[] path) =>
        Find(element, path) is { ValueKind: JsonValueKind.False };

    /// <summary>A short description of a resource for assertion messages.</summary>
    public static string Describe(JsonElement resource) => $"{TypeOf(resource)} {FindString(resource, "name")}";

    [GeneratedRegex(@", '(?<segment>[^']*)'\)\]$")]
    private static partial Regex TrailingLiteralArgument();
}
