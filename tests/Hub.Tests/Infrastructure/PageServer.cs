using Hub.Chase;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>The hub's pages over real HTTP on loopback, for a real browser: each route runs the same trigger method the
/// Functions host would (the host itself, func, cannot run here).</summary>
public sealed class PageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PageServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<PageServer> StartAsync(TestHub hub)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        RequestDelegate show = ctx => RunAsync(ctx, hub.Function<ProviderResponseHttp>().Show(ctx.Request));
        RequestDelegate submit = ctx => RunAsync(ctx, hub.Function<ProviderResponseHttp>().Submit(ctx.Request, hub.Durable));
        app.MapGet("/api/survey", ctx => RunAsync(ctx, hub.Function<SurveyHttp>().Show(ctx.Request)));
        app.MapPost("/api/survey", ctx => RunAsync(ctx, hub.Function<SurveyHttp>().Submit(ctx.Request, hub.Durable)));
        RequestDelegate css = ctx => RunAsync(ctx, Task.FromResult(AssetsHttp.Css(ctx.Request)));
        app.MapGet("/api/provider/respond", show);
        app.MapPost("/api/provider/respond", submit);
        app.MapGet("/api/provider/handover", ctx => RunAsync(ctx, hub.Function<ProviderHandoverHttp>().Show(ctx.Request)));
        app.MapPost("/api/provider/handover", ctx => RunAsync(ctx, hub.Function<ProviderHandoverHttp>().RequestLink(ctx.Request)));
        app.MapGet("/api/provider/episode", ctx => RunAsync(ctx, hub.Function<global::Hub.LinkWork.EpisodeHttp>().Show(ctx.Request)));
        app.MapPost("/api/provider/episode", ctx => RunAsync(ctx, hub.Function<global::Hub.LinkWork.EpisodeHttp>().Record(ctx.Request)));
        app.MapPost("/api/provider/progress", ctx => RunAsync(ctx, hub.Function<ProviderProgressHttp>().Report(ctx.Request)));
        app.MapGet("/api/provider/caseload/sign-in", ctx => RunAsync(ctx, Task.FromResult(global::Hub.LinkWork.CaseloadSignInHttp.Show(ctx.Request))));
        app.MapPost("/api/provider/caseload/sign-in", ctx => RunAsync(ctx, hub.Function<global::Hub.LinkWork.CaseloadSignInHttp>().Ask(ctx.Request)));
        app.MapGet("/api/provider/caseload", ctx => RunAsync(ctx, hub.Function<global::Hub.LinkWork.CaseloadHttp>().Read(ctx.Request)));
        app.MapGet("/api/assets/nhsuk-frontend.min.css", css);
        app.MapGet("/api/reports", ctx => RunAsync(ctx, Task.FromResult(global::Hub.Evidence.ReportHttp.Form(ctx.Request))));
        app.MapPost("/api/reports", ctx => RunAsync(ctx, hub.Function<global::Hub.Evidence.ReportHttp>().FromForm(ctx.Request)));
        await app.StartAsync();
        return new PageServer(app, app.Urls.First());
    }

    /// <summary>The same page on this server: links in emails name the hub's public base URL.</summary>
    public string Local(string url) => BaseUrl + new Uri(url).PathAndQuery;

    private static async Task RunAsync(HttpContext context, Task<IActionResult> trigger) =>
        await (await trigger).ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
