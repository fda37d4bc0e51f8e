using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Intake;

/// <summary>The CapabilityStatement says exactly what the FHIR routes serve: read from the functions' own
/// <c>[HttpTrigger]</c> routes, so a new route without its capability (or a capability without its route) fails here.</summary>
[Trait("Category", "Unit")]
public sealed class CapabilityRoutesTests
{
    private static readonly CapabilityStatement.RestComponent Rest = HubCapabilities.Build("http://localhost/api/fhir", DateTimeOffset.UnixEpoch).Rest.Single();

    private static readonly List<(string[] Segments, string Method)> FhirRoutes = HttpFunctionRoute.All
        .Where(r => r.Route.StartsWith("fhir", StringComparison.Ordinal) && !r.Route.Contains("{*", StringComparison.Ordinal))
        .SelectMany(r => r.Methods.Select(m => (Segments: r.Route.Split('/')[1..], Method: m)))
        .ToList();

    [Fact]
    public void Every_type_interaction_listed_has_its_route_and_every_route_is_listed()
    {
        var routed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (segments, method) in FhirRoutes)
        {
            var interaction = (segments, method) switch
            {
                ([var type], "GET") when type != "metadata" && !type.StartsWith('$') => $"{type} search-type",
                ([var type], "POST") when !type.StartsWith('$') => $"{type} create",
                ([var type, "_search"], "POST") => $"{type} search-type",
                ([var type, _], "GET") => $"{type} read",
                ([var type, _], "PUT") => $"{type} update",
                ([var type, _], "PATCH") => $"{type} patch",
                ([var type, _], "DELETE") => $"{type} delete",
                ([var type, _, "_history"], "GET") => $"{type} history-instance",
                ([var type, _, "_history", _], "GET") => $"{type} vread",
                _ => null,
            };
            if (interaction is not null)
            {
                routed.Add(interaction);
            }
        }

        var listed = Rest.Resource.SelectMany(r => r.Interaction.Select(i => $"{r.Type} {i.CodeElement.JsonValue}")).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(listed.Order(StringComparer.Ordinal), routed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_type_searched_by_get_is_searched_by_post_search_too()
    {
        var searched = Rest.Resource.Where(r => r.Interaction.Any(i => i.Code == CapabilityStatement.TypeRestfulInteraction.SearchType)).Select(r => r.Type).ToList();
        Assert.NotEmpty(searched);
        foreach (var type in searched)
        {
            Assert.Contains(FhirRoutes, r => r.Segments is [var t] && t == type && r.Method == "GET");
            Assert.True(FhirRoutes.Any(r => r.Segments is [var t, "_search"] && t == type && r.Method == "POST"), $"POST {type}/_search is not routed");
        }
    }

    [Fact]
    public void System_interactions_and_operations_listed_are_the_routes_at_the_base()
    {
        Assert.Equal(FhirRoutes.Any(r => r.Segments.Length == 0 && r.Method == "POST"),
            Rest.Interaction.Any(i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction));
        Assert.Equal(FhirRoutes.Where(r => r.Segments is [var op] && op.StartsWith('$')).Select(r => r.Segments[0][1..]).Order(StringComparer.Ordinal),
            Rest.Operation.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Contains(FhirRoutes, r => r.Segments is ["metadata"] && r.Method == "GET");
    }
}
