using System.Net;
using DumGum.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>Sign-in, sign-out, the session cookie, forgery protection, back-off and the dashboard's headers.</summary>
public sealed class SignInTests(BrowserFixture browsers) : IAsyncLifetime
{
    const int SignInThrottleFreeAttempts = DumGum.Dashboard.SignInThrottle.FreeAttempts;
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task A_person_signs_in_with_the_admin_token_and_signs_out_again()
    {
        var page = await session.NewPageAsync(browsers.Browser);
        await page.GotoAsync("/dashboard/go/settings");
        Assert.Contains("/dashboard/sign-in", page.Url, StringComparison.Ordinal);
        var field = page.GetByLabel("Admin token");
        Assert.Equal("password", await field.GetAttributeAsync("type"));
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "sign-in");

        await field.FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the admin token");

        await page.GetByLabel("Admin token").FillAsync(DumGumHost.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Back where the person was going: the Settings of the (only) project.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "dumgum_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "the session cookie has a (sliding) expiry");
        Assert.DoesNotContain(DumGumHost.AdminToken, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(DumGumHost.AdminToken, page.Url, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Admin token")).ToBeVisibleAsync();
        await page.GotoAsync("/dashboard");
        Assert.Contains("/dashboard/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_or_expired_session_goes_back_to_the_sign_in_page()
    {
        using var forms = new DashboardForms(session.Host.BaseAddress);
        forms.Cookies.Add(session.Host.BaseAddress, new System.Net.Cookie("dumgum_session", "CfDJ8-forged-or-expired", "/dashboard"));
        using var response = await forms.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/dashboard/sign-in", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forms_without_the_antiforgery_token_are_refused_and_change_nothing()
    {
        using var forms = new DashboardForms(session.Host.BaseAddress);
        using (var signedIn = await forms.SignInAsync()) Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var before = (await session.Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects"))["items"]!.AsArray().Count;

        using var forged = await forms.PostFormAsync("/dashboard", [
            new("_handler", "create-project"), new("Name", "forged"), new("ProfileUrl", session.Customer.ProfileUrl),
            new("HistoryUrl", session.Customer.HistoryUrl), new("IncomingUrl", session.Customer.IncomingUrl),
        ]);
        Assert.True(forged.StatusCode == HttpStatusCode.BadRequest, $"{forged.StatusCode} {forged.Headers.Location}");
        using var signOut = await forms.PostFormAsync("/dashboard/sign-out", []);
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);

        Assert.Equal(before, (await session.Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects"))["items"]!.AsArray().Count);
        using var stillIn = await forms.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_sign_ins_from_one_address_slow_down()
    {
        using var forms = new DashboardForms(session.Host.BaseAddress);
        for (var i = 0; i < SignInThrottleFreeAttempts; i++)
        {
            using var wrong = await forms.SignInAsync("wrong-token");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        // The 3rd failure set a 1 s wait: even the right token is not checked until it has passed.
        using var throttled = await forms.SignInAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Contains("Too many failed sign-ins", await throttled.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_pages_forbid_framing_inline_script_and_caching()
    {
        using var forms = new DashboardForms(session.Host.BaseAddress);
        using var response = await forms.GetAsync("/dashboard/sign-in");
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotContain(" style=\"", html, StringComparison.Ordinal);
    }
}
