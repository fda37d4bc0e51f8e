using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.LinkWork;

/// <summary>The onward-connection form, opened with the link-worker service's own link to a referral it accepted (the
/// handover link, <c>?t=</c>): GET shows the connections made so far and a form to choose a community provider or an
/// activity from the directory; POST makes the connection (<see cref="OnwardConnections.ConnectAsync"/>). The form
/// carries its own <c>urn:uuid</c>, so sending it twice makes one connection.</summary>
public sealed class OnwardConnectionHttp(ProviderHandovers handovers, OnwardConnections connections, OnwardReferralIndex index, ProviderDirectory directory,
    ReferralDocuments documents, ReferralTaskProgress tasks, ChaseStore chases, TimeProvider time)
{
    public const string Route = "provider/onward";
    public const int ReasonLimit = 500;

    [Function("ShowOnwardConnections")]
    public async Task<IActionResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var (view, refusal) = await ReadAsync(token, request);
        return refusal ?? await PageAsync(request, view!, token, [], Guid.NewGuid(), null, time.GetUtcNow());
    }

    [Function("MakeOnwardConnection")]
    public async Task<IActionResult> Make([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request, [DurableClient] DurableTaskClient durable)
    {
        var (form, bad) = await ReadTrustedFormAsync(request, "the link to the referral");
        if (form is null)
        {
            return bad!;
        }

        var token = form["t"].ToString();
        var (view, refusal) = await ReadAsync(token, request);
        if (refusal is not null)
        {
            return refusal;
        }

        var errors = new List<(string Field, string Message)>();
        var providerId = form["provider"].ToString().Trim();
        var activity = ActivityCategories.Normalize(form["activity"].ToString());
        var reason = form["reason"].ToString().Trim();
        var formId = Guid.TryParse(form["connection"].ToString(), out var parsed) ? parsed : Guid.NewGuid();
        // When the form was opened: the connection's authoredOn, the same however often the form is sent (so a repeat
        // is the same referral to intake, not a conflict).
        var opened = DateTimeOffset.TryParseExact(form["opened"].ToString(), "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at <= time.GetUtcNow()
            ? at : time.GetUtcNow();
        var choices = await ChoicesAsync(request.HttpContext.RequestAborted);
        Provider? chosen = null;
        if (providerId.Length > 0 && (chosen = choices.FirstOrDefault(p => p.Id == providerId)) is null)
        {
            errors.Add(("provider", "Select a provider from the list"));
        }

        if (activity.Length > 0 && (!ActivityCategories.Known.Contains(activity) || activity == ActivityCategories.LinkWorker))
        {
            errors.Add(("activity", "Select an activity from the list"));
        }

        if (providerId.Length == 0 && activity.Length == 0)
        {
            errors.Add(("provider", "Select a provider, or an activity for the hub to find one"));
        }

        if (reason.Length > ReasonLimit)
        {
            errors.Add(("reason", $"What the provider should know must be {ReasonLimit} characters or fewer"));
        }

        if (errors.Count > 0)
        {
            return await PageAsync(request, view!, token, errors, formId, 422, opened);
        }

        var claims = view!.Claims!;
        var code = activity.Length > 0 ? activity : chosen!.Categories.FirstOrDefault(c => c != ActivityCategories.LinkWorker) ?? ActivityCategories.CommunityGroup;
        var child = new ServiceRequest
        {
            Identifier = [new Identifier(OnwardConnections.FormIdentifierSystem, $"urn:uuid:{formId}")],
            Status = RequestStatus.Active,
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
            Code = new CodeableConcept(ActivityCategories.System, code, ActivityCategories.Display(code)) { Text = ActivityCategories.Display(code) },
            BasedOn = [new ResourceReference($"ServiceRequest/{claims.ReferralId}")],
            AuthoredOnElement = new FhirDateTime(opened.ToUniversalTime()),
        };
        if (chosen is not null)
        {
            child.Performer = [new ResourceReference($"HealthcareService/{chosen.Id}") { Display = chosen.Name }];
        }

        if (reason.Length > 0)
        {
            child.ReasonCode = [new CodeableConcept { Text = reason }];
        }

        var parent = await ParentAsync(claims.ReferralId, request.HttpContext.RequestAborted);
        if (parent is null)
        {
            return ProviderHandoverPage.Refused(request, view with { State = HandoverState.Invalid });
        }

        // The service acts through its own signed link: the audit names it as the client.
        var caller = new Caller($"provider-link:{claims.SubjectId}", "signed-link", new HashSet<string>(), Role: KeyRole.Provider, ProviderIds: new HashSet<string> { claims.SubjectId });
        var result = await connections.ConnectAsync(child, claims.SubjectId, parent.Value.Parent, parent.Value.Document, caller, "http", durable, CancellationToken.None);
        if (!result.IsStored)
        {
            var problems = result.Outcome?.Issue.Select(i => (Field: chosen is null ? "activity" : "provider", Message: i.Diagnostics ?? "This connection could not be made")).ToList() ?? [];
            return await PageAsync(request, view, token, problems, formId, (int)result.Status, opened);
        }

        var to = chosen?.Name ?? $"a provider of {ActivityCategories.Display(code).ToLowerInvariant()}";
        var back = $"/api/{Route}?t={Uri.EscapeDataString(token)}";
        var html = new StringBuilder()
            .Append("<div class=\"nhsuk-panel\"><h1 class=\"nhsuk-panel__title\">Connection made</h1>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-panel__body\">The hub is offering it to {E(to)} now, and chases it as it does every referral.</div></div>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\"><a href=\"{E(back)}\">Back to this person's connections</a></p>");
        return Render((int)result.Status, "Connection made", html.ToString(), new Dictionary<string, string>(ProviderHandoverPage.NoStore));
    }

    /// <summary>The link's view, when it opens the referral for a link-worker service that accepted it; else the page to answer with.</summary>
    private async Task<(HandoverView? View, IActionResult? Refusal)> ReadAsync(string token, HttpRequest request)
    {
        var view = await handovers.ReadAsync(token, cancellationToken: request.HttpContext.RequestAborted);
        if (view.State != HandoverState.Open)
        {
            return (null, ProviderHandoverPage.Refused(request, view));
        }

        var service = await directory.GetAsync(view.Claims!.SubjectId, request.HttpContext.RequestAborted);
        return service is not null && service.Categories.Contains(ActivityCategories.LinkWorker)
            ? (view, null)
            : (null, Message(403, "Onward connections are for link workers", "Only a link-worker service connects a person onward to community activities."));
    }

    private async Task<(OnwardParent Parent, ReferralDocument Document)?> ParentAsync(string referralId, CancellationToken cancellationToken)
    {
        var chase = await chases.GetAsync(referralId, cancellationToken);
        var loaded = chase is null ? null : await documents.LoadAsync(chase.PracticeOds, referralId, cancellationToken);
        return loaded is { } found ? (new OnwardParent(referralId, found.Record.PracticeOds, found.Record.TaskId), found.Document) : null;
    }

    /// <summary>The community providers a connection may name: active, and not link-worker services.</summary>
    private async Task<List<Provider>> ChoicesAsync(CancellationToken cancellationToken) =>
        ProviderDirectory.InDirectoryOrder((await directory.ListAsync(cancellationToken))
            .Where(p => p.Status == ProviderStatus.Active && !p.Categories.Contains(ActivityCategories.LinkWorker))).ToList();

    private async Task<IActionResult> PageAsync(HttpRequest request, HandoverView view, string token, List<(string Field, string Message)> errors, Guid formId, int? status,
        DateTimeOffset opened)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var claims = view.Claims!;
        var referral = view.Referral!;
        var html = new StringBuilder(ErrorSummary(errors))
            .Append("<span class=\"nhsuk-caption-l\">Onward connections</span>")
            .Append(CultureInfo.InvariantCulture, $"<h1>Connect {E(referral.PatientFirstName ?? "the person")} to community activities</h1>")
            .Append("<p class=\"nhsuk-body\">Each connection is a referral of its own: the hub offers it to the provider, reminds them and, if they cannot take it, offers it to the next. The GP practice sees every connection under its referral.</p>");

        html.Append("<h2 class=\"nhsuk-heading-m\">Connections so far</h2>");
        var made = (await index.ChildrenAsync(claims.ReferralId, cancellationToken)).Where(c => c.RequesterId == claims.SubjectId).ToList();
        if (made.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">None yet.</p>");
        }
        else
        {
            html.Append("<dl class=\"nhsuk-summary-list\">");
            foreach (var child in made)
            {
                var document = await documents.LoadAsync(child.PracticeOds, child.ReferralId, cancellationToken);
                var task = await tasks.ReadAsync(child.PracticeOds, child.TaskId, cancellationToken);
                var where = task?.BusinessStatus?.Text ?? task?.StatusElement?.JsonValue as string ?? "received";
                var who = task?.Owner?.Display;
                html.Append(CultureInfo.InvariantCulture,
                    $"<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{E(document?.Document.Activity ?? "Activity")}</dt><dd class=\"nhsuk-summary-list__value\">{E(who is null ? where : $"{who}: {where}")}</dd></div>");
            }

            html.Append("</dl>");
        }

        var choices = await ChoicesAsync(cancellationToken);
        html.Append("<h2 class=\"nhsuk-heading-m\">Make a connection</h2>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(token)}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{IssueCsrf(request)}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"connection\" value=\"{formId}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"opened\" value=\"{E(opened.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}\">")
            .Append(Select("provider", "Provider", "Choose one, or leave it to the hub and choose an activity below", choices.Select(p => (p.Id, $"{p.Name} ({string.Join(", ", p.Categories.Select(ActivityCategories.Display))})")), errors))
            .Append(Select("activity", "Activity", "The hub offers it to the providers of this activity in turn", ActivityCategories.Known.Where(c => c != ActivityCategories.LinkWorker).Select(c => (c, ActivityCategories.Display(c))), errors))
            .Append("<div class=\"nhsuk-form-group\"><label class=\"nhsuk-label\" for=\"reason\">What the provider should know (optional)</label>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-hint\" id=\"reason-hint\">Shown to the provider only if the person agreed to sharing. {ReasonLimit} characters at most.</div>")
            .Append("<textarea class=\"nhsuk-textarea\" id=\"reason\" name=\"reason\" rows=\"4\" aria-describedby=\"reason-hint\"></textarea></div>")
            .Append("<button class=\"nhsuk-button\" type=\"submit\">Make the connection</button></form>");
        return Render(status ?? 200, "Onward connections", html.ToString(), new Dictionary<string, string>(ProviderHandoverPage.NoStore));
    }

    private static string Select(string name, string label, string hint, IEnumerable<(string Value, string Text)> options, List<(string Field, string Message)> errors)
    {
        var error = errors.FirstOrDefault(e => e.Field == name).Message;
        var html = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-form-group{(error is null ? string.Empty : " nhsuk-form-group--error")}\">")
            .Append(CultureInfo.InvariantCulture, $"<label class=\"nhsuk-label\" for=\"{name}\">{E(label)}</label><div class=\"nhsuk-hint\" id=\"{name}-hint\">{E(hint)}</div>");
        if (error is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"nhsuk-error-message\" id=\"{name}-error\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(error)}</span>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<select class=\"nhsuk-select\" id=\"{name}\" name=\"{name}\" aria-describedby=\"{name}-hint{(error is null ? string.Empty : $" {name}-error")}\"><option value=\"\">(none)</option>");
        foreach (var (value, text) in options)
        {
            html.Append(CultureInfo.InvariantCulture, $"<option value=\"{E(value)}\">{E(text)}</option>");
        }

        return html.Append("</select></div>").ToString();
    }
}
