namespace Hub.Providers;

/// <summary>Settings for the provider directory (configuration section <c>Providers</c>).</summary>
public sealed class ProviderOptions
{
    public const string Section = "Providers";

    /// <summary>A JSON array of providers (as <c>samples/providers.json</c>) loaded at startup, for local runs: providers
    /// missing from the directory are added, ones already there are left as they are. A relative path is looked for
    /// from the working directory, then from the app's folder. Unset in Azure, where the directory is kept through
    /// the admin endpoints.</summary>
    public string? SeedFile { get; set; }
}
