using DumGum.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>A real DumGum host with a fake customer and a project, and browser pages signed in to its dashboard.</summary>
public sealed class DashboardSession : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;
    public DumGumHost.TestProject Project { get; private set; } = null!;
    public string BaseUrl => Host.BaseAddress.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start();
        Project = await Host.CreateProjectAsync(Customer);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Customer.DisposeAsync();
    }

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    /// <summary>A fresh browser context (its own cookies) with a page, not yet signed in.</summary>
    public async Task<IPage> NewPageAsync(IBrowser browser, ViewportSize? viewport = null)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = viewport ?? Desktop, BaseURL = BaseUrl });
        // A bound on each wait, not a pause: on a loaded 2-core machine the first sign-in (key ring, first render) can
        // take well over 15 s, and a passing test never waits for it.
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignedInPageAsync(IBrowser browser, string path = "/dashboard", ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(browser, viewport);
        await page.GotoAsync(path);
        await page.GetByLabel("Admin token").FillAsync(DumGumHost.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("/sign-in", StringComparison.Ordinal));
        return page;
    }
}
