using System.Globalization;
using System.Text;
using Hub.Chase;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.LinkWork;

/// <summary>The episode page, under the handover: the link worker's record of the work with the person (contacts, what
/// matters, the wellbeing assessments, the personalised care and support plan, the review date), with a small form for each change. NHS.UK design,
/// no script, every field labelled, every text encoded, never stored by a browser or proxy.</summary>
public static class EpisodePage
{
    public static IActionResult Show(HttpRequest request, EpisodeAccess access, List<(string Field, string Message)>? errors = null, string? notice = null)
    {
        if (access.State != EpisodeAccessState.Open)
        {
            return Refused(request, access);
        }

        var episode = access.Episode!;
        var view = access.View;
        var name = view.Handover?.Name ?? "Name not given";
        var token = Token(request);
        var csrf = IssueCsrf(request);
        var html = new StringBuilder(ErrorSummary(errors));
        if (notice is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-inset-text\" role=\"status\"><span class=\"nhsuk-u-visually-hidden\">Information: </span><p>{E(notice)}</p></div>");
        }

        html.Append("<span class=\"nhsuk-caption-l\">Link-worker episode</span>")
            .Append(CultureInfo.InvariantCulture, $"<h1>{E(name)}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">For {E(view.ProviderName ?? "your service")}. What you record here stays with the referral; the practice sees the plan's goals and their status, and the person's own words only if they agreed to share them. <a href=\"/api/{ProviderHandoverHttp.Route}?t={E(Uri.EscapeDataString(token))}\">Back to the referral</a></p>");

        string Error(string field) => errors?.FirstOrDefault(e => e.Field == field).Message is { } message
            ? $"<span class=\"nhsuk-error-message\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(message)}</span>"
            : string.Empty;
        string Group(string field) => errors?.Any(e => e.Field == field) == true ? "nhsuk-form-group nhsuk-form-group--error" : "nhsuk-form-group";
        string Open(EpisodeChange change, string id) =>
            $"<form method=\"post\" action=\"/api/{EpisodeHttp.Route}\" id=\"{id}\" novalidate><input type=\"hidden\" name=\"t\" value=\"{E(token)}\">" +
            $"<input type=\"hidden\" name=\"n\" value=\"{episode.Version}\"><input type=\"hidden\" name=\"{CsrfField}\" value=\"{csrf}\">" +
            $"<input type=\"hidden\" name=\"change\" value=\"{change.Spelling()}\">";

        // Contacts
        html.Append("<h2 class=\"nhsuk-heading-m\" id=\"contacts\">Contacts</h2>");
        if (episode.Contacts.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No contact recorded yet.</p>");
        }
        else
        {
            html.Append("<table class=\"nhsuk-table\"><caption class=\"nhsuk-table__caption nhsuk-u-visually-hidden\">Contacts with the person</caption><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\"><th scope=\"col\" class=\"nhsuk-table__header\">Date</th><th scope=\"col\" class=\"nhsuk-table__header\">How</th><th scope=\"col\" class=\"nhsuk-table__header\">Minutes</th></tr></thead><tbody class=\"nhsuk-table__body\">");
            foreach (var c in episode.Contacts)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{c.Date:d MMMM yyyy}</td><td class=\"nhsuk-table__cell\">{E(c.Mode.Label())}</td><td class=\"nhsuk-table__cell\">{c.Minutes}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        var ended = access.Ended || episode.IsClosed;
        if (!ended)
        {
            html.Append(Open(EpisodeChange.Contact, "contact-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("contact-day")}\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"contact-day-hint\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Date of the contact</legend>")
                .Append("<div class=\"nhsuk-hint\" id=\"contact-day-hint\">For example, 27 3 2027</div>").Append(Error("contact-day"))
                .Append("<div class=\"nhsuk-date-input\">").Append(DatePart("contact-day", "Day", 2)).Append(DatePart("contact-month", "Month", 2)).Append(DatePart("contact-year", "Year", 4)).Append("</div></fieldset></div>")
                .Append(Radios("contact-mode", "How did it happen?", StoredSpelling.All<ContactMode>().Select(m => (m.Spelling(), m.Label())), Group("contact-mode"), Error("contact-mode")))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("contact-minutes")}\"><label class=\"nhsuk-label\" for=\"contact-minutes\">How long, in minutes</label>{Error("contact-minutes")}")
                .Append("<input class=\"nhsuk-input nhsuk-input--width-4\" id=\"contact-minutes\" name=\"contact-minutes\" type=\"text\" inputmode=\"numeric\"></div>")
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Record contact</button></form>");
        }

        // What matters
        html.Append("<h2 class=\"nhsuk-heading-m\" id=\"matters\">What matters to the person</h2>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">{(episode.WhatMatters is null ? "Not recorded yet." : E(episode.WhatMatters))}</p>");
        if (episode.Needs.Count > 0)
        {
            html.Append("<h3 class=\"nhsuk-heading-s\">Needs and concerns</h3><ul class=\"nhsuk-list nhsuk-list--bullet\">")
                .Append(string.Concat(episode.Needs.Select(n => $"<li>{E(n.Text)}</li>"))).Append("</ul>");
        }

        if (!ended)
        {
            html.Append(Open(EpisodeChange.WhatMatters, "what-matters-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("what-matters")}\"><label class=\"nhsuk-label\" for=\"what-matters\">What matters to the person, in their words</label>{Error("what-matters")}")
                .Append(CultureInfo.InvariantCulture, $"<textarea class=\"nhsuk-textarea\" id=\"what-matters\" name=\"what-matters\" rows=\"4\" maxlength=\"{EpisodeForm.MaxWhatMattersLength}\">{E(episode.WhatMatters)}</textarea></div>")
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Save what matters</button></form>")
                .Append(Open(EpisodeChange.Need, "need-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("need-text")}\"><label class=\"nhsuk-label\" for=\"need-text\">A need or concern</label>{Error("need-text")}")
                .Append(CultureInfo.InvariantCulture, $"<input class=\"nhsuk-input\" id=\"need-text\" name=\"need-text\" type=\"text\" maxlength=\"{EpisodeForm.MaxNeedLength}\"></div>")
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Add need or concern</button></form>");
        }

        // Wellbeing assessments
        var questions = access.Questions ?? [];
        html.Append("<h2 class=\"nhsuk-heading-m\" id=\"assessments\">Wellbeing assessments</h2>");
        if (episode.Taken.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No assessment recorded yet.</p>");
        }
        else
        {
            html.Append("<table class=\"nhsuk-table\"><caption class=\"nhsuk-table__caption nhsuk-u-visually-hidden\">Wellbeing assessments taken</caption><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\"><th scope=\"col\" class=\"nhsuk-table__header\">Date</th>")
                .Append(string.Concat(questions.Select(q => $"<th scope=\"col\" class=\"nhsuk-table__header\">{E(q.Text)}</th>"))).Append("</tr></thead><tbody class=\"nhsuk-table__body\">");
            foreach (var assessment in episode.Taken)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{assessment.Date.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}</td>")
                    .Append(string.Concat(questions.Select(q => $"<td class=\"nhsuk-table__cell\">{(assessment.Scores.TryGetValue(q.LinkId, out var score) ? score.ToString(CultureInfo.InvariantCulture) : "-")}</td>")))
                    .Append("</tr>");
            }

            html.Append("</tbody></table>");
        }

        if (!ended && questions.Count > 0)
        {
            html.Append(Open(EpisodeChange.Assessment, "assessment-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("assessment-day")}\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"assessment-day-hint\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Date the assessment was taken</legend>")
                .Append("<div class=\"nhsuk-hint\" id=\"assessment-day-hint\">For example, 27 3 2027</div>").Append(Error("assessment-day"))
                .Append("<div class=\"nhsuk-date-input\">").Append(DatePart("assessment-day", "Day", 2)).Append(DatePart("assessment-month", "Month", 2)).Append(DatePart("assessment-year", "Year", 4)).Append("</div></fieldset></div>");
            foreach (var question in questions)
            {
                var range = Enumerable.Range(question.Min, question.Max - question.Min + 1).Select(i => (i.ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture)));
                html.Append(Select(question.Field, $"{question.Text} ({question.Min} to {question.Max})", range, Group(question.Field), Error(question.Field)));
            }

            html.Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Record assessment</button></form>");
        }

        // The plan
        html.Append("<h2 class=\"nhsuk-heading-m\" id=\"plan\">Personalised care and support plan</h2>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">Review date: {(episode.ReviewDate is { } review ? review.ToString("d MMMM yyyy", CultureInfo.InvariantCulture) : "not set")}</p>");
        if (episode.Goals.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No goals yet.</p>");
        }

        foreach (var goal in episode.Goals)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3 class=\"nhsuk-heading-s\">Goal {goal.Number}: {E(goal.Text)}</h3><dl class=\"nhsuk-summary-list\">")
                .Append(Row("Importance to the person", $"{goal.Importance} out of 10"))
                .Append(Row("Their confidence", $"{goal.Confidence} out of 10"))
                .Append(Row("Where it stands", goal.Progress.Label()))
                .Append(Row("Actions", goal.Actions.Count == 0 ? "None yet" : string.Join("; ", goal.Actions.Select(a => $"{a.Text} ({a.Status.Label().ToLowerInvariant()})"))))
                .Append("</dl>");
        }

        if (!ended)
        {
            html.Append(Open(EpisodeChange.Goal, "goal-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("goal-text")}\"><label class=\"nhsuk-label\" for=\"goal-text\">A new goal, in the person's words</label>{Error("goal-text")}")
                .Append(CultureInfo.InvariantCulture, $"<input class=\"nhsuk-input\" id=\"goal-text\" name=\"goal-text\" type=\"text\" maxlength=\"{EpisodeForm.MaxGoalLength}\"></div>")
                .Append(Select("goal-importance", "How important is it to them? (1 to 10)", Scale(), Group("goal-importance"), Error("goal-importance")))
                .Append(Select("goal-confidence", "How confident are they of reaching it? (1 to 10)", Scale(), Group("goal-confidence"), Error("goal-confidence")))
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Add goal</button></form>");
            if (episode.Goals.Count > 0)
            {
                var goals = episode.Goals.Select(g => (g.Number.ToString(CultureInfo.InvariantCulture), $"Goal {g.Number}: {g.Text}")).ToList();
                html.Append(Open(EpisodeChange.GoalProgress, "progress-form"))
                    .Append(Select("progress-goal", "Goal", goals, Group("progress-goal"), Error("progress-goal")))
                    .Append(Select("progress", "Where it stands", StoredSpelling.All<GoalProgress>().Select(p => (p.Spelling(), p.Label())), Group("progress"), Error("progress")))
                    .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Update goal</button></form>")
                    .Append(Open(EpisodeChange.Action, "action-form"))
                    .Append(Select("action-goal", "Goal the action is for", goals, Group("action-goal"), Error("action-goal")))
                    .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("action-text")}\"><label class=\"nhsuk-label\" for=\"action-text\">The action</label>{Error("action-text")}")
                    .Append(CultureInfo.InvariantCulture, $"<input class=\"nhsuk-input\" id=\"action-text\" name=\"action-text\" type=\"text\" maxlength=\"{EpisodeForm.MaxActionLength}\"></div>")
                    .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Add action</button></form>");
                var actions = episode.Goals.SelectMany(g => g.Actions.Select(a => ($"{g.Number}.{a.Number}", $"Goal {g.Number}: {a.Text}"))).ToList();
                if (actions.Count > 0)
                {
                    html.Append(Open(EpisodeChange.ActionStatus, "status-form"))
                        .Append(Select("status-action", "Action", actions, Group("status-action"), Error("status-action")))
                        .Append(Select("action-status", "Where it stands", StoredSpelling.All<PlanActionStatus>().Select(s => (s.Spelling(), s.Label())), Group("action-status"), Error("action-status")))
                        .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Update action</button></form>");
                }
            }

            html.Append(Open(EpisodeChange.ReviewDate, "review-form"))
                .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("review-day")}\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"review-day-hint\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Review date</legend>")
                .Append("<div class=\"nhsuk-hint\" id=\"review-day-hint\">For example, 27 3 2027</div>").Append(Error("review-day"))
                .Append("<div class=\"nhsuk-date-input\">").Append(DatePart("review-day", "Day", 2)).Append(DatePart("review-month", "Month", 2)).Append(DatePart("review-year", "Year", 4)).Append("</div></fieldset></div>")
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Set review date</button></form>");
            html.Append("<h2 class=\"nhsuk-heading-m\" id=\"close\">Close the episode</h2>")
                .Append("<p class=\"nhsuk-body\">Closing ends your work on this referral and sends the practice the plan's goals and where they stand.</p>")
                .Append(Open(EpisodeChange.Close, "close-form"))
                .Append(Radios("close-reason", "Why is the episode closing?", StoredSpelling.All<EpisodeCloseReason>().Select(r => (r.Spelling(), r.Label())), Group("close-reason"), Error("close-reason"), inline: false))
                .Append("<button class=\"nhsuk-button nhsuk-button--warning\" type=\"submit\">Close the episode</button></form>");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">This episode has ended{(episode.Closed is { } closed ? $" ({E(closed.Label().ToLowerInvariant())})" : string.Empty)}: nothing more can be recorded.</p>");
        }

        return Render(errors is { Count: > 0 } ? 400 : 200, "Link-worker episode", html.ToString(), new Dictionary<string, string>(ProviderHandoverPage.NoStore));
    }

    /// <summary>After a change that did not land: out of date, ended, or not this link's.</summary>
    public static IActionResult NotRecorded(HttpRequest request, EpisodeResult result, EpisodeAccess access)
    {
        if (result == EpisodeResult.Refused)
        {
            return Refused(request, access);
        }

        var back = $"/api/{EpisodeHttp.Route}?t={Uri.EscapeDataString(Token(request))}";
        var (title, text) = result == EpisodeResult.Ended
            ? ("Nothing more can be recorded", "This episode has ended, so this change was not recorded.")
            : ("This page was out of date", "Nothing was changed: the episode had changed since this page was opened (perhaps by this same form, sent twice). Open the episode again to see where it stands.");
        var html = $"<h1>{E(title)}</h1><p class=\"nhsuk-body\">{E(text)}</p><p class=\"nhsuk-body\"><a href=\"{E(back)}\">Back to the episode</a></p>";
        return Render(409, title, html, new Dictionary<string, string>(ProviderHandoverPage.NoStore));
    }

    public static IActionResult Refused(HttpRequest request, EpisodeAccess access) => access.State == EpisodeAccessState.NotLinkWorker
        ? Render(404, "No episode for this referral", "<h1>No episode for this referral</h1><p class=\"nhsuk-body\">Episodes are kept by link-worker services. Report your progress on the referral's page.</p>",
            new Dictionary<string, string>(ProviderHandoverPage.NoStore))
        : ProviderHandoverPage.Refused(request, access.View);

    private static string Token(HttpRequest request) =>
        request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.HasFormContentType ? request.Form["t"].ToString() : string.Empty;

    private static IEnumerable<(string, string)> Scale() => Enumerable.Range(1, 10).Select(i => (i.ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture)));

    private static string Radios(string name, string legend, IEnumerable<(string Code, string Label)> choices, string group, string error, bool inline = true)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<div class=\"{group}\"><fieldset class=\"nhsuk-fieldset\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">{E(legend)}</legend>{error}<div class=\"nhsuk-radios{(inline ? " nhsuk-radios--inline" : string.Empty)}\">");
        var first = true;
        foreach (var (code, label) in choices)
        {
            var id = first ? name : $"{name}-{code}";
            first = false;
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"{id}\" name=\"{name}\" type=\"radio\" value=\"{code}\"><label class=\"nhsuk-label nhsuk-radios__label\" for=\"{id}\">{E(label)}</label></div>");
        }

        return html.Append("</div></fieldset></div>").ToString();
    }

    private static string Select(string name, string label, IEnumerable<(string Code, string Label)> choices, string group, string error) =>
        $"<div class=\"{group}\"><label class=\"nhsuk-label\" for=\"{name}\">{E(label)}</label>{error}<select class=\"nhsuk-select\" id=\"{name}\" name=\"{name}\"><option value=\"\">Choose</option>" +
        string.Concat(choices.Select(c => $"<option value=\"{E(c.Code)}\">{E(c.Label)}</option>")) + "</select></div>";

    private static string DatePart(string name, string label, int width) =>
        $"<div class=\"nhsuk-date-input__item\"><div class=\"nhsuk-form-group\"><label class=\"nhsuk-label nhsuk-date-input__label\" for=\"{name}\">{label}</label>" +
        $"<input class=\"nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}\" id=\"{name}\" name=\"{name}\" type=\"text\" inputmode=\"numeric\"></div></div>";

    private static string Row(string key, string value) =>
        $"<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{E(key)}</dt><dd class=\"nhsuk-summary-list__value\">{E(value)}</dd></div>";
}
