using Hub.Access;
using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub.Evidence;

/// <summary>Evidence reports: the stored cells and their nightly update, the MeasureReport, the HTML report and the de-identified CSV.</summary>
public static class EvidenceServices
{
    public static IServiceCollection AddEvidence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReportingOptions>().Bind(configuration.GetSection(ReportingOptions.Section));
        services.AddSingleton<EvidenceCellStore>();
        services.AddSingleton<EvidenceRowStore>();
        services.AddSingleton<ProviderResponsivenessCount>();
        services.AddSingleton<EvidenceUpdate>();
        services.AddSingleton<EvidenceReports>();
        services.AddSingleton<ReportQuestions>();
        services.AddSingleton<EvidenceWarmUp>();
        services.AddSingleton(provider => new EvidenceCsv(PseudonymKey(
            provider.GetRequiredService<IOptions<ReportingOptions>>().Value, provider.GetRequiredService<IOptions<LinkOptions>>().Value),
            provider.GetRequiredService<Hub.FollowUp.QuestionnaireLibrary>().Measures));
        services.AddHubTables(EvidenceCellStore.Table, EvidenceRowStore.Table, ReportQuestions.Table);
        return services;
    }

    /// <summary>The CSV pseudonyms' key: the configured one, or one derived from the current link-signing key (labelled,
    /// so it is never the signing key itself). Set Reporting:PseudonymKey to keep pseudonyms stable across link-key rotations.</summary>
    private static byte[] PseudonymKey(ReportingOptions reporting, LinkOptions links)
    {
        if (!string.IsNullOrEmpty(reporting.PseudonymKey))
        {
            return System.Text.Encoding.UTF8.GetBytes(reporting.PseudonymKey);
        }

        var signing = links.SigningKeys.GetValueOrDefault(links.CurrentKeyId) ?? string.Empty;
        return System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(signing), "evidence-pseudonym"u8);
    }
}
