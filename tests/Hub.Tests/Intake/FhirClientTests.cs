using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;
using FhirTask = Hl7.Fhir.Model.Task;
using Task = System.Threading.Tasks.Task;

namespace Hub.Tests.Intake;

/// <summary>A GP system's developer uses Firely's own FhirClient against the hub, as they would against any FHIR server:
/// every interaction the CapabilityStatement lists, and every refusal, as the client library reports it.</summary>
public sealed class FhirClientTests(TestHub hub) : IClassFixture<TestHub>
{
    private static string NewPractice() => "P" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Create_then_read_through_the_client_library()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-create", Practice));

        var created = await client.CreateAsync(ServiceRequest());

        Assert.NotNull(created);
        Assert.Equal("1", created!.Meta.VersionId);
        Assert.Equal("201", client.LastResult!.Status);
        Assert.EndsWith($"/ServiceRequest/{created.Id}/_history/1", client.LastResult.Location, StringComparison.Ordinal);
        var read = await client.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}");
        Assert.Equal(created.Id, read!.Id);
        Assert.Equal(created.Identifier.Single().Value, read.Identifier.Single().Value);
        Assert.Equal("W/\"1\"", client.LastResult.Etag);
    }

    [Fact]
    public async Task An_unknown_referral_is_a_not_found_the_client_reports()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-404", Practice));

        var error = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<ServiceRequest>("ServiceRequest/nope"));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, error.Outcome.Issue.Single().Code);
    }

    [Fact]
    public async Task Conditional_create_creates_on_no_match_returns_the_one_match_and_refuses_several()
    {
        var (first, second) = (NewPractice(), NewPractice());
        var client = hub.FhirClient(await hub.KeyForAsync("fc-conditional", first, second));
        var identifier = Guid.NewGuid().ToString();
        var condition = new SearchParams().Add("identifier", $"{GpSystem}|{identifier}");

        var created = await client.ConditionalCreateAsync(ServiceRequest(identifier, first), condition);
        Assert.Equal("201", client.LastResult!.Status);

        // The condition names the existing referral; the body (another identifier) is not stored a second time.
        var matched = await client.ConditionalCreateAsync(ServiceRequest(practice: first), condition);
        Assert.Equal("200", client.LastResult.Status);
        Assert.Equal(created!.Id, matched!.Id);
        var all = await client.SearchAsync<ServiceRequest>(new SearchParams().LimitTo(50));
        Assert.Single(all!.Entry);

        // The same identifier at the key's other practice: the condition now matches two referrals.
        await client.CreateAsync(ServiceRequest(identifier, second));
        var several = await Assert.ThrowsAsync<FhirOperationException>(() => client.ConditionalCreateAsync(ServiceRequest(practice: first), condition));
        Assert.Equal(HttpStatusCode.PreconditionFailed, several.Status);
        Assert.Equal(OperationOutcome.IssueType.MultipleMatches, several.Outcome.Issue.Single().Code);
        Assert.Empty(several.Outcome.Issue.Single().Details.Coding);   // http-error-codes has no 412 concept: none is invented
        Assert.Equal("412: Precondition failed.", several.Outcome.Issue.Single().Details.Text);
        Assert.Equal(2, (await client.SearchAsync<ServiceRequest>(new SearchParams().LimitTo(50)))!.Entry.Count);
    }

    [Fact]
    public async Task A_transaction_answers_a_transaction_response_and_its_repeat_the_same_referral()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-transaction", Practice));
        var transaction = ReferralBundle();

        var response = await client.TransactionAsync(transaction);

        Assert.Equal("200", client.LastResult!.Status);
        Assert.Equal(Bundle.BundleType.TransactionResponse, response!.Type);
        Assert.Equal(transaction.Entry.Count, response.Entry.Count);
        Assert.All(response.Entry, e => Assert.NotNull(e.Response.Status));
        var referral = response.Entry[0];
        Assert.Equal("201 Created", referral.Response.Status);
        var id = Assert.IsType<ServiceRequest>(referral.Resource).Id;
        Assert.Equal($"ServiceRequest/{id}/_history/1", referral.Response.Location);
        Assert.Equal("W/\"1\"", referral.Response.Etag);
        Assert.NotNull(referral.Response.LastModified);

        var again = await client.TransactionAsync(transaction);
        Assert.Equal(referral.Response.Location, again!.Entry[0].Response.Location);
        Assert.Equal(referral.Response.LastModified, again.Entry[0].Response.LastModified);
        Assert.Equal(response.Entry.Count, again.Entry.Count);
    }

    [Fact]
    public async Task What_the_hub_returns_never_points_at_bundle_local_ids()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-references", Practice));

        var response = await client.TransactionAsync(ReferralBundle());
        var id = response!.Entry[0].Resource!.Id;
        var read = (await client.ReadAsync<ServiceRequest>($"ServiceRequest/{id}"))!;

        foreach (var sr in new[] { (ServiceRequest)response.Entry[0].Resource!, read })
        {
            Assert.DoesNotContain("urn:uuid:", new FhirSerializer().Serialize(sr, FhirFormat.Json), StringComparison.Ordinal);
            Assert.Equal(FhirCodes.NhsNumberSystem, sr.Subject.Identifier.System);
            Assert.Equal(ValidNhsNumber, sr.Subject.Identifier.Value);
            Assert.Equal("Patient", sr.Subject.Type);
            Assert.False(string.IsNullOrEmpty(sr.Subject.Display));

            // The PractitionerRole and the Consent travel with it, contained; the role's organisation by its ODS code.
            var role = Assert.IsType<PractitionerRole>(sr.Contained.Single(c => "#" + c.Id == sr.Requester.Reference));
            Assert.Equal(Practice, role.Organization.Identifier.Value);
            Assert.Contains(sr.Contained, c => c is Practitioner && "#" + c.Id == role.Practitioner.Reference);
            Assert.IsType<Consent>(sr.Contained.Single(c => "#" + c.Id == sr.SupportingInfo.Single().Reference));
        }
    }

    [Fact]
    public async Task Search_pages_with_next_links_the_client_follows_to_the_end()
    {
        var practice = NewPractice();
        var client = hub.FhirClient(await hub.KeyForAsync("fc-paging", practice));
        var ids = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.CreateAsync(ServiceRequest(practice: practice)))!.Id);
        }

        var page = await client.SearchAsync<ServiceRequest>(new SearchParams().LimitTo(2));
        var seen = new List<string>();
        var pages = 0;
        while (page is not null)
        {
            pages++;
            Assert.True(page.Entry.Count <= 2);
            Assert.NotNull(page.SelfLink);
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id!));
            page = await client.ContinueAsync(page);
        }

        Assert.Equal(ids.Order(), seen.Order());
        Assert.True(pages >= 3);

        // The same search by POST [type]/_search with a form body, and by the GP system's identifier.
        var posted = await client.SearchUsingPostAsync<ServiceRequest>(new SearchParams().LimitTo(10));
        Assert.Equal(5, posted!.Entry.Count);
        var one = ids.First();
        var identifier = (await client.ReadAsync<ServiceRequest>($"ServiceRequest/{one}"))!.Identifier.Single();
        var byIdentifier = await client.SearchAsync<ServiceRequest>(new SearchParams().Add("identifier", $"{identifier.System}|{identifier.Value}"));
        Assert.Equal(one, byIdentifier!.Entry.Single().Resource!.Id);
        Assert.Equal(1, byIdentifier.Total);
    }

    [Fact]
    public async Task Paging_crosses_from_one_practice_of_the_key_to_the_next_and_pages_tasks_too()
    {
        var (first, second) = (NewPractice(), NewPractice());
        var client = hub.FhirClient(await hub.KeyForAsync("fc-paging-two", first, second));
        var ids = new List<string>();
        foreach (var practice in new[] { first, second, first, second, second })
        {
            ids.Add((await client.CreateAsync(ServiceRequest(practice: practice)))!.Id);
        }

        async Task<List<string>> AllAsync(Bundle? page)
        {
            var found = new List<string>();
            while (page is not null)
            {
                Assert.True(page.Entry.Count <= 2);
                found.AddRange(page.Entry.Select(e => e.Resource is FhirTask task ? task.Focus.Reference["ServiceRequest/".Length..] : e.Resource!.Id!));
                page = await client.ContinueAsync(page);
            }

            return found;
        }

        Assert.Equal(ids.Order(), (await AllAsync(await client.SearchAsync<ServiceRequest>(new SearchParams().LimitTo(2)))).Order());
        Assert.Equal(ids.Order(), (await AllAsync(await client.SearchAsync<FhirTask>(new SearchParams().LimitTo(2)))).Order());
    }

    [Fact]
    public async Task Search_by_last_updated_and_tasks_by_status_and_owner()
    {
        var practice = NewPractice();
        var client = hub.FhirClient(await hub.KeyForAsync("fc-lastupdated", practice));
        var created = (await client.CreateAsync(ServiceRequest(practice: practice)))!;
        var at = created.Meta.LastUpdated!.Value;
        string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

        var before = await client.SearchAsync<ServiceRequest>(new SearchParams().Add("_lastUpdated", "lt" + Instant(at.AddMinutes(-1))));
        var after = await client.SearchAsync<ServiceRequest>(new SearchParams().Add("_lastUpdated", "ge" + Instant(at.AddMinutes(-1))).Add("_lastUpdated", "le" + Instant(at.AddMinutes(1))));
        Assert.Empty(before!.Entry);
        var byDay = await client.SearchAsync<ServiceRequest>(new SearchParams().Add("_lastUpdated", at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(created.Id, byDay!.Entry.Single().Resource!.Id);
        var sinceYear = await client.SearchAsync<ServiceRequest>(new SearchParams().Add("_lastUpdated", "ge2000"));
        Assert.Single(sinceYear!.Entry);
        Assert.Equal(created.Id, after!.Entry.Single().Resource!.Id);

        var tasks = await client.SearchAsync<FhirTask>(new SearchParams().Add("status", "requested,accepted,received"));
        Assert.Equal($"ServiceRequest/{created.Id}", ((FhirTask)tasks!.Entry.Single().Resource!).Focus.Reference);
        var noOwner = await client.SearchAsync<FhirTask>(new SearchParams().Add("owner", "HealthcareService/nobody"));
        Assert.Empty(noOwner!.Entry);
        var posted = await client.SearchUsingPostAsync<FhirTask>(new SearchParams().Add("focus", $"ServiceRequest/{created.Id}"));
        Assert.Single(posted!.Entry);
    }

    [Fact]
    public async Task Vread_serves_the_current_version_and_history_is_refused_saying_none_is_kept()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-vread", Practice));
        var created = (await client.CreateAsync(ServiceRequest()))!;

        var current = await client.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}/_history/1");
        Assert.Equal(created.Id, current!.Id);
        var older = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}/_history/7"));
        Assert.Equal(HttpStatusCode.NotFound, older.Status);

        // The hub replaces a referral's and a Task's stored version on each change: it has no history to list, and says so.
        var task = (await client.SearchAsync<Hl7.Fhir.Model.Task>(new SearchParams().Add("focus", $"ServiceRequest/{created.Id}")))!.Entry.Single().Resource!;
        foreach (var instance in new[] { $"ServiceRequest/{created.Id}", $"Task/{task.Id}" })
        {
            var history = await Assert.ThrowsAsync<FhirOperationException>(() => client.HistoryAsync(instance));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, history.Status);
            Assert.Equal(OperationOutcome.IssueType.NotSupported, history.Outcome.Issue.Single().Code);
            Assert.Contains("keeps only the current version", history.Outcome.Issue.Single().Diagnostics, StringComparison.Ordinal);
        }

        var typeHistory = await Assert.ThrowsAsync<FhirOperationException>(() => client.TypeHistoryAsync<ServiceRequest>());
        Assert.Contains("serves no history", typeHistory.Outcome.Issue.Single().Diagnostics, StringComparison.Ordinal);
        var delete = await Assert.ThrowsAsync<FhirOperationException>(() => client.DeleteAsync($"ServiceRequest/{created.Id}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.Status);
        var unknown = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<Patient>("Patient/123"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, unknown.Outcome.Issue.Single().Code);
    }

    [Fact]
    public async Task Update_with_if_match_withdraws_and_a_stale_version_is_a_precondition_failure()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-update", Practice));
        var created = (await client.CreateAsync(ServiceRequest()))!;
        var stale = (ServiceRequest)created.DeepCopy();
        created.Status = RequestStatus.Revoked;

        var withdrawn = await client.UpdateAsync(created, versionAware: true);
        Assert.Equal(RequestStatus.Revoked, withdrawn!.Status);
        Assert.Equal("2", withdrawn.Meta.VersionId);

        stale.Status = RequestStatus.EnteredInError;
        var failed = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(stale, versionAware: true));
        Assert.Equal(HttpStatusCode.PreconditionFailed, failed.Status);
        var issue = failed.Outcome.Issue.Single();
        Assert.Equal(OperationOutcome.IssueType.Conflict, issue.Code);
        Assert.Empty(issue.Details.Coding);   // http-error-codes has no 412 concept: none is invented
        Assert.Equal("412: Precondition failed.", issue.Details.Text);
    }

    [Fact]
    public async Task A_changed_referral_under_a_used_identifier_is_a_conflict_saying_what_the_update_says()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-conflict", Practice));
        var created = (await client.CreateAsync(ServiceRequest()))!;
        var changed = ServiceRequest(created.Identifier.Single().Value);
        changed.Note = [new Annotation { Text = "Something else." }];

        var conflict = await Assert.ThrowsAsync<FhirOperationException>(() => client.CreateAsync(changed));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        var update = (ServiceRequest)created.DeepCopy();
        update.Note = changed.Note;
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(update));
        Assert.Equal((HttpStatusCode)422, refused.Status);

        // Both say the one change the hub takes is a withdrawal, and that anything else is a new referral.
        foreach (var diagnostics in new[] { conflict.Outcome.Issue.Single().Diagnostics, refused.Outcome.Issue.Single().Diagnostics })
        {
            Assert.Contains("'revoked' or 'entered-in-error'", diagnostics, StringComparison.Ordinal);
            Assert.Contains("as a new referral", diagnostics, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_page_link_edited_or_used_by_another_key_is_refused()
    {
        var practice = NewPractice();
        var key = await hub.KeyForAsync("fc-token", practice);
        var client = hub.FhirClient(key);
        for (var i = 0; i < 3; i++)
        {
            await client.CreateAsync(ServiceRequest(practice: practice));
        }

        var next = (await client.SearchAsync<ServiceRequest>(new SearchParams().LimitTo(1)))!.NextLink!;
        var tampered = new Uri(next.ToString().Replace("_count=1", "_count=2", StringComparison.Ordinal));
        var edited = await Assert.ThrowsAsync<FhirOperationException>(() => client.GetAsync(tampered));
        Assert.Equal(HttpStatusCode.BadRequest, edited.Status);
        Assert.Equal("_cursor", edited.Outcome.Issue.Single().Expression.Single());

        var other = hub.FhirClient(await hub.KeyForAsync("fc-token-other", practice));
        var borrowed = await Assert.ThrowsAsync<FhirOperationException>(() => other.GetAsync(next));
        Assert.Equal(HttpStatusCode.BadRequest, borrowed.Status);
        Assert.NotNull(await client.GetAsync(next));
    }
}
