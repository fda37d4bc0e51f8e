using Hl7.Fhir.Model;
using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Providers;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>Each provider's responsiveness over the last 90 days, counted by the evidence update from the stored cells:
/// the offers it decided, its acceptance rate and its median time from offer to answer, as published under the
/// disclosure rule, on its HealthcareService (directory read and search) as the hub's extension.</summary>
public sealed class ProviderResponsivenessTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly string[] Providers = ["resp-quick", "resp-steady"];

    [Fact]
    public async System.Threading.Tasks.Task Each_providers_median_time_to_answer_and_acceptance_rate_over_90_days_reach_its_HealthcareService()
    {
        var directory = hub.Get<ProviderDirectory>();
        foreach (var id in Providers)
        {
            await directory.SaveAsync(new Provider { Id = id, Name = id, Emails = [$"{id}@providers.example.org"], Categories = ["befriending"] });
        }

        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.UtcDateTime.Date.AddDays(-170), TimeSpan.Zero).AddHours(9);
        var population = new EvidencePopulation(seed: 31, referrals: 400, practices: ["P40001", "P40002"], providers: Providers, start: start);
        await population.WriteAsync(hub.Get<HubTables>());
        await hub.Get<EvidenceUpdate>().UpdateAsync();

        var month = CellKey.MonthOf(now - ProviderResponsivenessCount.Window);
        var from = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var rule = DisclosureRule.Default;
        foreach (var id in Providers)
        {
            var seen = population.Rows().Where(r => r.ReferredAt >= from).Select(r => r.AsSeenBy(id)).OfType<EvidenceRow>().ToList();
            var decided = seen.Count(r => r.Chase is not (ChaseResult.InProgress or ChaseResult.Withdrawn));
            var accepted = seen.Count(r => r.Chase == ChaseResult.Accepted);
            var answers = seen.SelectMany(r => r.Offers).Where(o => o.Answer is OfferAnswer.Accepted or OfferAnswer.Declined)
                .Select(o => Math.Round((o.AnsweredAt!.Value - o.OfferedAt).TotalMinutes) / 1440).Order().ToList();
            Assert.True(decided >= 20 && answers.Count >= 8, $"{id}: {decided} offers decided, {answers.Count} answers: too few to test anything");
            var median = (answers[(answers.Count - 1) / 2] + answers[answers.Count / 2]) / 2;

            var figures = await hub.Get<ProviderResponsivenessStore>().GetAsync(id);
            Assert.NotNull(figures);
            Assert.Equal(rule.Publish(decided), figures.Offers);
            Assert.Equal(Math.Round((double)rule.Publish(accepted)!.Value / rule.Publish(decided)!.Value, 2), figures.AcceptanceRate);
            Assert.Equal(rule.Days(median), figures.MedianDaysToAnswer);
            Assert.Equal(from, figures.From);

            var service = ProviderFhir.ToHealthcareService((await directory.GetAsync(id))!);
            var extension = service.GetExtension(ProviderFhir.ResponsivenessExtension);
            Assert.NotNull(extension);
            Assert.Equal(figures.Offers, ((Integer)extension.GetExtension("offers").Value).Value);
            Assert.Equal((decimal)figures.AcceptanceRate!.Value, ((FhirDecimal)extension.GetExtension("acceptanceRate").Value).Value);
            Assert.Equal((decimal)figures.MedianDaysToAnswer!.Value, ((FhirDecimal)extension.GetExtension("medianDaysToAnswer").Value).Value);
            Assert.Equal(from, ((Period)extension.GetExtension("period").Value).StartElement.ToDateTimeOffset(TimeSpan.Zero));

            // The directory's list carries the same figures (search reads the list).
            Assert.Equal(figures, (await directory.ListAsync()).Single(p => p.Id == id).Responsiveness);
        }
    }
}
