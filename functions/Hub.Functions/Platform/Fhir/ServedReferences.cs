using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>A resource the hub keeps inside a stored bundle, made fit to hand out: its references to other entries of that
/// bundle (bundle-local <c>urn:uuid:</c>s and relative ids nothing serves) become references a reader can follow. A
/// Patient with an NHS number and an Organization with an ODS code become logical references by that identifier (with
/// the name as display); anything else it points at travels with it as a contained resource (<c>#id</c>), its own
/// references rewritten the same way. The stored bundle is not changed: the hub's own readers still resolve it.</summary>
public static class ServedReferences
{
    public static T Resolve<T>(T resource, Bundle bundle) where T : Resource
    {
        var served = (T)resource.DeepCopy();
        if (served is DomainResource domain)
        {
            new Rewrite(new BundleReferences(bundle), resource, domain).Run();
        }

        return served;
    }

    private sealed class Rewrite(BundleReferences references, Resource original, DomainResource served)
    {
        private readonly Dictionary<Resource, string> _contained = new(ReferenceEqualityComparer.Instance);
        private readonly Queue<(Resource Copy, string Root)> _pending = new();

        public void Run()
        {
            Visit(served, served.TypeName);
            while (_pending.TryDequeue(out var next))
            {
                Visit(next.Copy, next.Root);
            }
        }

        private void Visit(Base node, string root)
        {
            foreach (var reference in References(node))
            {
                if (reference.Reference is not { Length: > 0 } target || target.StartsWith('#'))
                {
                    continue;
                }

                var isLocal = target.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) || !Uri.IsWellFormedUriString(target, UriKind.Absolute);
                if (!isLocal || references.Resolve(reference) is not { } entry)
                {
                    continue;
                }

                Point(reference, entry);
            }
        }

        private void Point(ResourceReference reference, Resource entry)
        {
            if (ReferenceEquals(entry, original))
            {
                reference.Reference = "#";
                return;
            }

            var logical = entry switch
            {
                Patient patient => patient.Identifier.FirstOrDefault(i => i.System == FhirCodes.NhsNumberSystem && !string.IsNullOrEmpty(i.Value)) is { } nhs
                    ? new Identifier(FhirCodes.NhsNumberSystem, nhs.Value)
                    : null,
                Organization organization => organization.Identifier.FirstOrDefault(i => FhirCodes.IsOdsSystem(i.System) && !string.IsNullOrEmpty(i.Value)) is { } ods
                    ? new Identifier(FhirCodes.OdsSystem, ods.Value)
                    : null,
                _ => null,
            };
            if (logical is not null)
            {
                reference.Reference = null;
                reference.Type = entry.TypeName;
                reference.Identifier = logical;
                reference.Display ??= Display(entry);
                return;
            }

            if (!_contained.TryGetValue(entry, out var id))
            {
                // A new id, clear of the ids the resource's own contained resources already use.
                var n = _contained.Count + 1;
                do
                {
                    id = $"{char.ToLowerInvariant(entry.TypeName[0])}{entry.TypeName[1..]}{n++}";
                }
                while (served.Contained.Any(c => c.Id == id));

                _contained[entry] = id;
                var copy = (Resource)entry.DeepCopy();
                copy.Id = id;
                copy.Meta = null;
                if (copy is DomainResource domain)
                {
                    domain.Contained.Clear();
                    domain.Text = null;
                }

                served.Contained.Add(copy);
                _pending.Enqueue((copy, copy.TypeName));
            }

            reference.Reference = $"#{id}";
            reference.Type ??= entry.TypeName;
        }

        private static string? Display(Resource entry) => entry switch
        {
            Patient patient => patient.Name.FirstOrDefault() is { } name ? Name(name) : null,
            Organization organization => organization.Name,
            _ => null,
        };

        private static string? Name(HumanName name) =>
            !string.IsNullOrWhiteSpace(name.Text) ? name.Text : string.Join(' ', name.Given.Append(name.Family).Where(p => !string.IsNullOrWhiteSpace(p))) is { Length: > 0 } joined ? joined : null;

        /// <summary>Every reference in a resource's own elements (contained resources are not entered).</summary>
        private static List<ResourceReference> References(Base node)
        {
            var found = new List<ResourceReference>();
            new Collect(found).Walk(node, string.Empty);
            return found;
        }

        private sealed class Collect(List<ResourceReference> found) : ElementWalk
        {
            protected override bool Enter(string name, Base element, ElementPath path)
            {
                if (element is ResourceReference reference)
                {
                    found.Add(reference);
                }

                return true;
            }
        }
    }
}
