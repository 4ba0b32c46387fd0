using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(DumGum.Tests.Dashboard.BrowserFixture))]

namespace DumGum.Tests.Dashboard;

/// <summary>
/// One headless Debian Chromium for the whole test run, driven by Playwright (never a downloaded browser). Where it is
/// missing, browser tests skip with a message locally and fail under CI=true, where they must run.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("DUMGUM_CHROMIUM") ?? "/usr/bin/chromium";
    static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    IPlaywright? playwright;
    IBrowser? browser;
    string? missing;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            missing = $"Chromium is not installed at {ChromiumPath} (apt-get install chromium; or set DUMGUM_CHROMIUM)";
            return;
        }
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            // Tests run as root (in CI too), where Chromium's sandbox cannot start; the rest keeps it off the network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>The browser, or a skip (locally) / failure (CI) saying why there is none.</summary>
    public IBrowser Browser
    {
        get
        {
            if (browser is not null) return browser;
            if (InCi) Assert.Fail(missing + ". Under CI=true the browser tests must run.");
            Assert.Skip(missing!);
            return null!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
    }

    /// <summary>Every page must pass axe with no violation of impact "serious" or "critical".</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"axe on {page.Url}:\n" + string.Join("\n", bad.Select(v =>
            $"- {v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    /// <summary>Saves a screenshot under TestResults/screenshots (an artifact of the run) and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        // The README shows two of them; DUMGUM_UPDATE_SCREENSHOTS=1 refreshes those copies.
        if (Environment.GetEnvironmentVariable("DUMGUM_UPDATE_SCREENSHOTS") == "1" && name.StartsWith("readme-", StringComparison.Ordinal))
            File.Copy(path, Path.Combine(RepositoryRoot, "docs", "screenshots", name["readme-".Length..] + ".png"), overwrite: true);
        return path;
    }

    static readonly string RepositoryRoot = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DumGum.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
