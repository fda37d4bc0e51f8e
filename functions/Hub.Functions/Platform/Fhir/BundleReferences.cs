using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>Resolves references between the entries of one Bundle: by fullUrl (urn:uuid or absolute), or by
/// <c>Type/id</c> for relative references, or by <c>#id</c> for a resource contained in an entry. Intake checks submissions with it; the chase reads stored referrals with it.</summary>
public sealed class BundleReferences
{
    private readonly Dictionary<string, Resource> _byFullUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Resource> _byTypeAndId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Resource> _contained = new(StringComparer.Ordinal);
    private readonly List<int> _repeatedFullUrls = [];

    /// <summary>References within one resource only: its contained resources (<c>#id</c>).</summary>
    public static BundleReferences Of(Resource resource) => new(new Bundle { Entry = [new Bundle.EntryComponent { Resource = resource }] });

    public BundleReferences(Bundle bundle)
    {
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            if (entry.Resource is null)
            {
                continue;
            }

            // FHIR references.html: a contained resource is part of the resource that contains it, referenced as #id.
            if (entry.Resource is DomainResource { Contained.Count: > 0 } container)
            {
                foreach (var contained in container.Contained.Where(c => !string.IsNullOrEmpty(c.Id)))
                {
                    _contained.TryAdd(contained.Id!, contained);
                }
            }

            if (!string.IsNullOrEmpty(entry.FullUrl) && !_byFullUrl.TryAdd(entry.FullUrl, entry.Resource))
            {
                _repeatedFullUrls.Add(i);
            }

            var typeAndId = !string.IsNullOrEmpty(entry.Resource.Id) ? $"{entry.Resource.TypeName}/{entry.Resource.Id}"
                : entry.FullUrl is null ? null : RelativePart(entry.FullUrl);
            if (typeAndId is not null)
            {
                _byTypeAndId.TryAdd(typeAndId, entry.Resource);
            }
        }
    }

    /// <summary>Indexes of entries whose fullUrl an earlier entry already had.</summary>
    public IReadOnlyList<int> RepeatedFullUrls => _repeatedFullUrls;

    /// <summary>The entry a reference points at; null when it points outside the bundle (or nowhere).</summary>
    public Resource? Resolve(ResourceReference? reference)
    {
        var target = reference?.Reference;
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        if (target.StartsWith('#'))
        {
            return _contained.GetValueOrDefault(target[1..]);
        }

        if (_byFullUrl.TryGetValue(target, out var found))
        {
            return found;
        }

        var relative = RelativePart(target);
        return relative is not null && _byTypeAndId.TryGetValue(relative, out found) ? found : null;
    }

    /// <summary>"Patient/123" from "Patient/123", "https://x/fhir/Patient/123" or "Patient/123/_history/2".</summary>
    private static string? RelativePart(string reference)
    {
        if (reference.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        if (history >= 0)
        {
            parts = parts[..history];
        }

        return parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : null;
    }
}
