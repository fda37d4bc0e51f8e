namespace Hub.Infra.Tests;

/// <summary>Where the repository and its infra folder are, found from the test's output folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The nearest folder above the test output that holds Hub.sln or azure.yaml.</summary>
    public static string RepoRoot => Root.Value;

    public static string InfraDirectory => Path.Combine(RepoRoot, "infra");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hub.sln")) || File.Exists(Path.Combine(dir.FullName, "azure.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Hub.sln or azure.yaml.");
    }
}
