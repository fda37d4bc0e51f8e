using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Platform.Http;

/// <summary>Serves the NHS.UK frontend stylesheet shipped in the app (from the pinned npm package), so pages load nothing
/// from a CDN. Its @font-face rules point at assets.nhs.uk and are dropped: pages fall back to Arial.</summary>
public static partial class AssetsHttp
{
    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        var css = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "nhsuk-frontend.min.css"));
        return Encoding.UTF8.GetBytes(FontFace().Replace(css, string.Empty) + HubRules);
    });

    // The hub's own few rules, served with the frontend (the pages' CSP allows no inline styles): charts scale to their
    // column, and the evidence report prints without the header, the form buttons or a chart cut across two pages.
    private const string HubRules = "\n.hub-chart svg{max-width:100%;height:auto}.hub-chart{margin-bottom:24px}"
        + "@media print{.nhsuk-header,.nhsuk-skip-link,.nhsuk-footer,.hub-no-print{display:none}.hub-chart,table,h2,h3{break-inside:avoid}h2,h3{break-after:avoid}}";

    [GeneratedRegex(@"@font-face\s*\{[^}]*\}")]
    private static partial Regex FontFace();

    [Function("Stylesheet")]
    public static IActionResult Css([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "assets/nhsuk-frontend.min.css")] HttpRequest request) =>
        new BodyResult(200, "text/css; charset=utf-8", Stylesheet.Value, new Dictionary<string, string> { ["X-Robots-Tag"] = "noindex" });
}
