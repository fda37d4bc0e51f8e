using System.Net;
using System.Text;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Intake;

/// <summary>Searching the caller's referrals and their Tasks: <c>GET [type]?…</c> and <c>POST [type]/_search</c> with a
/// form body, searchset Bundles of at most <c>_count</c> entries with <c>self</c> and <c>next</c> links, paged over Table
/// storage (see <see cref="SearchPages"/>). Parameters the hub does not know are ignored, as FHIR allows, and left out of
/// the links. Only the caller's own practices are ever searched.</summary>
public sealed class ReferralSearchHttp(ApiKeys keys, ReferralStore referrals, ReferralLookup lookup, TaskStore tasks, HubTables tables,
    SearchPages pages, FhirSerializer fhir, FhirHttp http, Hub.Chase.ProviderWork providerWork, OnwardReferralIndex onward,
    ProviderReferralRead providerReads)
{
    [Function("SearchServiceRequest")]
    public Task<IActionResult> SearchServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/ServiceRequest")] HttpRequest request) =>
        SearchAsync(request, "ServiceRequest", ServiceRequestsAsync);

    [Function("SearchServiceRequestForm")]
    public Task<IActionResult> SearchServiceRequestForm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/ServiceRequest/_search")] HttpRequest request) =>
        SearchAsync(request, "ServiceRequest", ServiceRequestsAsync);

    [Function("SearchTask")]
    public Task<IActionResult> SearchTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Task")] HttpRequest request) =>
        SearchAsync(request, "Task", TasksAsync);

    [Function("SearchTaskForm")]
    public Task<IActionResult> SearchTaskForm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/Task/_search")] HttpRequest request) =>
        SearchAsync(request, "Task", TasksAsync);

    private delegate Task<Found> Search(FhirSearch context);

    /// <summary>What a search found: the entries of this page, the position of the next, or the refusal of a parameter.</summary>
    private sealed record Found(IReadOnlyList<Resource> Resources, PagePosition? Next, int? Total, FhirProblem? Problem = null)
    {
        public static Found Refused(FhirProblem problem) => new([], null, null, problem);
    }

    private async Task<IActionResult> SearchAsync(HttpRequest request, string type, Search search)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var (context, refusal) = await pages.BeginAsync(request, caller, type);
        if (refusal is not null)
        {
            return refusal;
        }

        if (type == "ServiceRequest" && caller.IsProvider)
        {
            return await ProviderServiceRequestAsync(context!);
        }

        var found = await search(context!);
        return found.Problem is not null ? pages.Refuse(context!, found.Problem) : pages.Answer(context!, found.Resources, found.Next, found.Total);
    }

    /// <summary>What <c>_include</c> may name on a provider's read of a referral: the person, the referrer, and what
    /// the referral carries (consent, risks, baseline answers); <c>*</c> for all three.</summary>
    private static readonly string[] ProviderIncludes = ["ServiceRequest:subject", "ServiceRequest:requester", "ServiceRequest:supporting-info"];

    /// <summary>A provider key's search: <c>_id={referralId}</c> (required), with <c>_include</c> of the referral's
    /// bundled resources once one of its services has accepted it (audited as a handover view, as the read is); while
    /// offered, only the offer's minimum and nothing included; a referral it does not hold matches nothing.</summary>
    private async Task<IActionResult> ProviderServiceRequestAsync(FhirSearch context)
    {
        var ids = context.Parameters.Values("_id");
        if (ids.Count != 1 || ids[0].Contains(',', StringComparison.Ordinal))
        {
            return pages.Refuse(context, FhirProblem.Required("_id",
                "A provider key searches one referral it holds: ServiceRequest?_id={id}&_include=ServiceRequest:subject (its Tasks list them: Task?owner=HealthcareService/{id})."));
        }

        var includes = context.Parameters.Values("_include").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (includes.FirstOrDefault(i => i != "*" && !ProviderIncludes.Contains(i, StringComparer.Ordinal)) is { } unknown)
        {
            return pages.Refuse(context, FhirProblem.Value("_include",
                $"_include={unknown} is not supported; the hub includes {string.Join(", ", ProviderIncludes)} (or *)."));
        }

        var wanted = includes.Contains("*") ? ProviderIncludes : [.. ProviderIncludes.Where(includes.Contains)];
        context.Applied.Add(new("_id", ids[0]));
        context.Applied.AddRange(wanted.Select(w => new KeyValuePair<string, string>("_include", w)));
        if (context.Start() is { } badToken)
        {
            return pages.Refuse(context, badToken);
        }

        return await providerReads.ReadAsync(context.Caller, ids[0], context.Aborted) switch
        {
            null => pages.Answer(context, [], null, 0),
            { Full: false } offered => pages.Answer(context, [offered.ServiceRequest], null, 1),
            var owned => pages.Answer(context, [owned.ServiceRequest], null, 1, included: Included(owned.Task.Document, wanted)),
        };
    }

    /// <summary>The stored bundle's resources that the referral points at through the included elements, made fit to
    /// hand out as the referral itself is (their bundle-local references resolved).</summary>
    private static List<Resource> Included(Hub.Referrals.ReferralDocument document, IReadOnlyList<string> wanted)
    {
        var bundle = document.Bundle;
        var references = new BundleReferences(bundle);
        var serviceRequest = document.ServiceRequest;
        var pointers = new List<ResourceReference>();
        if (wanted.Contains("ServiceRequest:subject") && serviceRequest.Subject is { } subject)
        {
            pointers.Add(subject);
        }

        if (wanted.Contains("ServiceRequest:requester") && serviceRequest.Requester is { } requester)
        {
            pointers.Add(requester);
        }

        if (wanted.Contains("ServiceRequest:supporting-info"))
        {
            pointers.AddRange(serviceRequest.SupportingInfo);
        }

        var found = new List<Resource>();
        foreach (var pointer in pointers)
        {
            if (references.Resolve(pointer) is { } target && !found.Contains(target))
            {
                found.Add(target);
            }
        }

        return [.. found.Select(r => ServedReferences.Resolve(r, bundle))];
    }

    /// <summary><c>identifier=system|value</c> (a point read per practice), or every referral, optionally
    /// <c>_lastUpdated</c> (eq, gt, ge, lt, le; repeat for a range), a page at a time.</summary>
    private async Task<Found> ServiceRequestsAsync(FhirSearch context)
    {
        var cancellationToken = context.Request.HttpContext.RequestAborted;
        var (dates, problem) = LastUpdated(context);
        if (problem is not null)
        {
            return Found.Refused(problem);
        }

        if (context.Parameters.One("based-on") is { } basedOn)
        {
            return await BasedOnAsync(context, basedOn, dates);
        }

        if (context.Parameters.Values("identifier") is { Count: > 0 } identifiers)
        {
            if (identifiers.Count > 1 || !ReferralLookup.TryParseIdentifier(identifiers[0], out var system, out var value))
            {
                return Found.Refused(new FhirProblem(OperationOutcome.IssueType.NotSupported,
                    "Search by identifier takes one identifier with its system: identifier={system}|{value}.", "identifier"));
            }

            context.Applied.Insert(0, new("identifier", identifiers[0]));
            if (context.Start() is { } bad)
            {
                return Found.Refused(bad);
            }

            var matches = (await lookup.ByIdentifierAsync(context.Practices, system, value, cancellationToken))
                .Where(m => dates.All(d => d.Matches(m.Record.LastUpdated))).Select(m => (Resource)m.ServiceRequest).ToList();
            return new Found(matches, null, matches.Count);
        }

        if (context.Start() is { } badToken)
        {
            return Found.Refused(badToken);
        }

        var table = await tables.GetAsync(ReferralStore.Table);
        var page = await SearchPages.ReadAsync(table, context.Practices,
            ods => string.Join(" and ", dates.Select(d => d.Filter("LastUpdated")).Prepend(TableClient.CreateQueryFilter($"PartitionKey eq {ods}"))),
            ["PartitionKey", "RowKey"], context.Count, context.From, cancellationToken);
        var found = new List<Resource>();
        foreach (var row in page.Rows)
        {
            if (await referrals.GetAsync(row.PartitionKey, row.RowKey, cancellationToken) is { } record
                && await lookup.ServeAsync(record, cancellationToken) is { } served)
            {
                found.Add(served.ServiceRequest);
            }
        }

        return new Found(found, page.Next, null);
    }

    /// <summary><c>focus=ServiceRequest/{id}</c> (the referral's one Task), or every Task of the caller's practices;
    /// either filtered by <c>status</c>, <c>owner</c> and <c>_lastUpdated</c>, a page at a time.</summary>
    private async Task<Found> TasksAsync(FhirSearch context)
    {
        var cancellationToken = context.Request.HttpContext.RequestAborted;
        var (dates, problem) = LastUpdated(context);
        if (problem is not null)
        {
            return Found.Refused(problem);
        }

        var statuses = context.Parameters.Values("status").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = statuses.FirstOrDefault(s => Hl7.Fhir.Utility.EnumUtility.ParseLiteral<Hl7.Fhir.Model.Task.TaskStatus>(s) is null);
        if (unknown is not null)
        {
            return Found.Refused(FhirProblem.Value("status", $"'{Shorten(unknown)}' is not a Task status."));
        }

        if (statuses.Count > 0)
        {
            context.Applied.Insert(0, new("status", string.Join(',', statuses)));
        }

        var owner = context.Parameters.One("owner");
        if (owner is not null)
        {
            context.Applied.Insert(0, new("owner", owner));
        }

        bool Keep(Hl7.Fhir.Model.Task task) =>
            (statuses.Count == 0 || statuses.Contains(task.StatusElement?.JsonValue as string ?? string.Empty))
            && (owner is null || SameReference(task.Owner?.Reference, owner))
            && (dates.Count == 0 || (task.Meta?.LastUpdated is { } updated && dates.All(d => d.Matches(updated))));

        if (context.Caller.IsProvider)
        {
            return await ProviderTasksAsync(context, owner, Keep);
        }

        if (context.Parameters.One("part-of") is { } partOf)
        {
            return await PartOfAsync(context, partOf, Keep);
        }

        if (context.Parameters.One("focus") is { } focus)
        {
            // Accept "ServiceRequest/{id}", a full URL ending in it, or a bare id.
            var parts = focus.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || (parts.Length >= 2 && parts[^2] != "ServiceRequest"))
            {
                return Found.Refused(FhirProblem.Invalid("focus", "Task focus must be a ServiceRequest."));
            }

            context.Applied.Insert(0, new("focus", $"ServiceRequest/{parts[^1]}"));
            if (context.Start() is { } bad)
            {
                return Found.Refused(bad);
            }

            var record = await referrals.FindAsync(context.Practices, parts[^1], cancellationToken);
            var one = record is not null && await tasks.GetAsync(record.PracticeOds, record.TaskId, cancellationToken) is { } stored
                      && ParseTask(stored.Json) is { } task && Keep(task)
                ? new List<Resource> { task }
                : [];
            return new Found(one, null, one.Count);
        }

        if (context.Start() is { } badToken)
        {
            return Found.Refused(badToken);
        }

        var table = await tables.GetAsync(TaskStore.Table);
        var page = await SearchPages.ReadAsync(table, context.Practices, ods => TableClient.CreateQueryFilter($"PartitionKey eq {ods}"),
            ["Json"], context.Count, context.From, cancellationToken);
        var found = page.Rows.Select(r => ParseTask(r.GetString("Json"))).OfType<Hl7.Fhir.Model.Task>().Where(Keep).Cast<Resource>().ToList();
        return new Found(found, page.Next, null);
    }

    /// <summary>A provider key's work: the Tasks offered to or accepted by one of its HealthcareServices
    /// (<c>owner=HealthcareService/{id}</c>, which may be left out when the key has one service), from the owner index a
    /// page at a time (see <see cref="Hub.Chase.ProviderWork.PageAsync"/>). Any other owner finds nothing.</summary>
    private async Task<Found> ProviderTasksAsync(FhirSearch context, string? owner, Func<Hl7.Fhir.Model.Task, bool> keep)
    {
        var providers = context.Caller.Providers;
        var parts = (owner ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var providerId = owner is null ? providers.Count == 1 ? providers.Single() : null
            : parts.Length == 1 || (parts.Length >= 2 && parts[^2] == "HealthcareService") ? parts[^1] : null;
        if (providerId is null && owner is null)
        {
            return Found.Refused(FhirProblem.Required("owner", "This key acts for several services: search with owner=HealthcareService/{id}."));
        }

        if (context.Start() is { } badToken)
        {
            return Found.Refused(badToken);
        }

        if (providerId is null || !context.Caller.MayActForProvider(providerId))
        {
            return new Found([], null, 0);
        }

        var (found, next) = await providerWork.PageAsync(providerId, context.Count, context.From?.Continuation, keep, context.Request.HttpContext.RequestAborted);
        return new Found([.. found], next is null ? null : new PagePosition(0, next), null);
    }

    /// <summary><c>based-on=ServiceRequest/{id}</c>: the onward connections a link-worker service made from one of the
    /// caller's referrals (<see cref="OnwardReferralIndex"/>, in the order of their ids), <c>_count</c> a page with a
    /// <c>next</c> link (<see cref="SearchPages.Slice"/>). A referral the caller does not hold has none.</summary>
    private async Task<Found> BasedOnAsync(FhirSearch context, string basedOn, List<DateSearch> dates)
    {
        var parentId = ReferencedId(basedOn, "ServiceRequest");
        if (parentId is null)
        {
            return Found.Refused(FhirProblem.Invalid("based-on", "based-on must be a ServiceRequest: based-on=ServiceRequest/{id}."));
        }

        context.Applied.Insert(0, new("based-on", $"ServiceRequest/{parentId}"));
        if (context.Start() is { } bad)
        {
            return Found.Refused(bad);
        }

        var cancellationToken = context.Request.HttpContext.RequestAborted;
        // The matches are read as ids and dates (a partition of the index, a point read each); only the page's are served.
        var matches = new List<ReferralRecord>();
        if (await referrals.FindAsync(context.Practices, parentId, cancellationToken) is { } parent)
        {
            foreach (var child in await onward.ChildrenAsync(parent.ReferralId, cancellationToken))
            {
                if (child.PracticeOds == parent.PracticeOds && await referrals.GetAsync(child.PracticeOds, child.ReferralId, cancellationToken) is { } record
                    && dates.All(d => d.Matches(record.LastUpdated)))
                {
                    matches.Add(record);
                }
            }
        }

        var (page, next) = SearchPages.Slice(matches, context);
        var found = new List<Resource>();
        foreach (var record in page)
        {
            if (await lookup.ServeAsync(record, cancellationToken) is { } served)
            {
                found.Add(served.ServiceRequest);
            }
        }

        return new Found(found, next, matches.Count);
    }

    /// <summary><c>part-of=Task/{id}</c>: the Tasks of the onward connections made from the referral whose Task that is,
    /// for the caller's practices, <c>_count</c> a page with a <c>next</c> link (<see cref="SearchPages.Slice"/>).</summary>
    private async Task<Found> PartOfAsync(FhirSearch context, string partOf, Func<Hl7.Fhir.Model.Task, bool> keep)
    {
        var parentTaskId = ReferencedId(partOf, "Task");
        if (parentTaskId is null)
        {
            return Found.Refused(FhirProblem.Invalid("part-of", "part-of must be a Task: part-of=Task/{id}."));
        }

        context.Applied.Insert(0, new("part-of", $"Task/{parentTaskId}"));
        if (context.Start() is { } bad)
        {
            return Found.Refused(bad);
        }

        var cancellationToken = context.Request.HttpContext.RequestAborted;
        var found = new List<Resource>();
        if (await tasks.FindAsync(context.Practices, parentTaskId, cancellationToken) is { } parent)
        {
            foreach (var child in await onward.ChildrenAsync(parent.ReferralId, cancellationToken))
            {
                if (child.PracticeOds == parent.PracticeOds && await tasks.GetAsync(child.PracticeOds, child.TaskId, cancellationToken) is { } stored
                    && ParseTask(stored.Json) is { } task && keep(task))
                {
                    found.Add(task);
                }
            }
        }

        var (page, next) = SearchPages.Slice(found, context);
        return new Found(page, next, found.Count);
    }

    /// <summary>The id in "Type/{id}", a full URL ending in it, or a bare id; null for another type.</summary>
    private static string? ReferencedId(string reference, string type)
    {
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 || (parts.Length >= 2 && parts[^2] != type) ? null : parts[^1];
    }

    private static (List<DateSearch> Dates, FhirProblem? Problem) LastUpdated(FhirSearch context)
    {
        var dates = new List<DateSearch>();
        foreach (var value in context.Parameters.Values("_lastUpdated"))
        {
            if (DateSearch.Parse(value) is not { } date)
            {
                return ([], FhirProblem.Value("_lastUpdated", $"'{Shorten(value)}' is not a date search: [eq|gt|ge|lt|le]YYYY[-MM[-DD[Thh:mm:ss[Z|±hh:mm]]]]."));
            }

            dates.Add(date);
            context.Applied.Add(new("_lastUpdated", value));
        }

        return (dates, null);
    }

    private static bool SameReference(string? reference, string wanted)
    {
        if (reference is null)
        {
            return false;
        }

        static string Tail(string r) => string.Join('/', r.Split('/', StringSplitOptions.RemoveEmptyEntries).TakeLast(2));
        return wanted.Contains('/', StringComparison.Ordinal) ? Tail(reference) == Tail(wanted) : reference.EndsWith("/" + wanted, StringComparison.Ordinal);
    }

    private Hl7.Fhir.Model.Task? ParseTask(string json) => fhir.ParseJson(Encoding.UTF8.GetBytes(json)).Resource as Hl7.Fhir.Model.Task;

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
