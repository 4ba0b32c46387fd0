using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>The Projects and Settings pages in a real browser: each form saves through the same rules as the admin API.</summary>
public sealed class ProjectsAndSettingsTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    DumGumHost Host => session.Host;

    [Fact]
    public async Task A_project_is_created_from_the_Projects_page_with_the_APIs_messages_at_each_field()
    {
        var page = await session.SignedInPageAsync(browsers.Browser);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Projects", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // The admin API's own message for the same bad value.
        using var bad = await Host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "x", profileEndpointUrl = "ftp://files.example.com/p", chatHistoryEndpointUrl = session.Customer.HistoryUrl,
            incomingContentEndpointUrl = session.Customer.IncomingUrl,
        }), TestContext.Current.CancellationToken);
        var apiMessage = (string)JsonNode.Parse(await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["errors"]!["profileEndpointUrl"]![0]!;

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Dating app");
        await page.GetByLabel("Profile endpoint URL").FillAsync("ftp://files.example.com/p");
        await page.GetByLabel("Chat history endpoint URL").FillAsync(session.Customer.HistoryUrl);
        await page.GetByLabel("Incoming content endpoint URL").FillAsync(session.Customer.IncomingUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        var profileField = page.GetByLabel("Profile endpoint URL");
        await Assertions.Expect(profileField).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#f-profileurl-error")).ToContainTextAsync(apiMessage[1..]);
        // What was typed elsewhere is kept.
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Dating app");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "projects-error");

        await profileField.FillAsync(session.Customer.ProfileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();
        var projects = (await Host.AdminJsonAsync(HttpMethod.Get, "/admin/v1/projects"))["items"]!.AsArray();
        Assert.Contains(projects, p => (string)p!["name"]! == "Dating app" && (string)p["profileEndpointUrl"]! == session.Customer.ProfileUrl);
    }

    [Fact]
    public async Task The_dashboard_works_with_the_keyboard_alone_on_a_phone_screen()
    {
        var page = await session.NewPageAsync(browsers.Browser, DashboardSession.Phone);
        await page.GotoAsync("/dashboard");
        await page.Keyboard.PressAsync("Tab");   // the skip link is not on the sign-in page; the token field has focus already
        await page.GetByLabel("Admin token").FocusAsync();
        await page.Keyboard.TypeAsync(DumGumHost.AdminToken);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Projects", Level = 1 })).ToBeVisibleAsync();

        // Tab from the top: skip link, brand, sign out, then the navigation.
        var settings = page.GetByRole(AriaRole.Link, new() { Name = "Settings" });
        for (var i = 0; i < 10 && !await settings.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page scrolls sideways on a phone: {width}px wide");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "settings-phone");
    }

    [Fact]
    public async Task Settings_saves_reply_parameters_headers_the_ban_ladder_and_rotates_the_secret()
    {
        var id = session.Project.Id;
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{id}/settings");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // A bad reply parameter: the API's message at the field, nothing saved.
        await page.GetByLabel("Emojis").SelectOptionAsync("RARE");
        await page.GetByLabel("Question frequency").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save reply parameters" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rp-questionFrequency-error")).ToContainTextAsync("must be", new() { IgnoreCase = true });
        await Assertions.Expect(page.GetByLabel("Question frequency")).ToHaveValueAsync("2");
        Assert.Null((await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["defaultReplyParameters"]!["emojis"]);

        await page.GetByLabel("Question frequency").FillAsync("0.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save reply parameters" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var defaults = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["defaultReplyParameters"]!;
        Assert.Equal("RARE", (string)defaults["emojis"]!);
        Assert.Equal(0.5, (double)defaults["questionFrequency"]!);

        // A custom header: saved, then masked.
        await page.GetByLabel("Header name").FillAsync("X-Api-Key");
        await page.GetByLabel("Header value").FillAsync("very-secret-value-42");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add or replace header" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "X-Api-Key", Exact = true })).ToBeVisibleAsync();
        Assert.DoesNotContain("very-secret-value-42", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("very-secret-value-42", (string)(await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["customHeaders"]!["X-Api-Key"]!);

        // The ban ladder: a bad step is named, a good ladder is saved.
        var ladder = page.GetByLabel("Ai suspicion: ban ladder in minutes");
        await ladder.FillAsync("120, soon");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save Core Guardian" }).ClickAsync();
        await Assertions.Expect(page.Locator("#g-aiSuspicion-ladder-error")).ToContainTextAsync("must be", new() { IgnoreCase = true });
        await page.GetByLabel("Ai suspicion: ban ladder in minutes").FillAsync("60, 600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save Core Guardian" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var guardrails = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["defaultReplyParameters"]!["guardrails"]!;
        Assert.Equal("[60,600]", guardrails["aiSuspicionOptionSet"]!["banDurations"]!.ToJsonString());

        // The endpoint bearer token: saved, then shown only by its last characters.
        await page.GetByLabel("Bearer token").FillAsync("tok_dashboard_9f8e7d6c5b4a");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save token" }).ClickAsync();
        await Assertions.Expect(page.GetByText("A token is set (ending …5b4a)")).ToBeVisibleAsync();
        Assert.DoesNotContain("tok_dashboard_9f8e7d6c5b4a", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.True((bool)(await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["endpointBearerTokenSet"]!);

        // The webhook secret: hidden until revealed, then rotated with its overlap.
        Assert.DoesNotContain(session.Project.WebhookSecret, await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal secret" }).ClickAsync();
        await Assertions.Expect(page.Locator("#webhook-secret")).ToHaveTextAsync(session.Project.WebhookSecret);
        await page.GetByLabel("Overlap: hours the old secret keeps signing").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("rotated");
        var rotated = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}");
        Assert.NotEqual(session.Project.WebhookSecret, (string)rotated["webhookSecret"]!);
        Assert.NotNull(rotated["previousWebhookSecretExpiresAt"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "settings");
    }

    [Fact]
    public async Task Settings_saves_the_AI_disclosure_policy_and_shows_the_self_harm_guardrail()
    {
        var id = session.Project.Id;
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{id}/settings");
        var policy = page.GetByLabel("AI disclosure", new() { Exact = true });
        await Assertions.Expect(policy).ToHaveValueAsync("never");
        await policy.SelectOptionAsync("when-asked-sincerely");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        Assert.Equal("when-asked-sincerely", (string?)(await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["aiDisclosurePolicy"]);
        await Assertions.Expect(page.GetByLabel("AI disclosure", new() { Exact = true })).ToHaveValueAsync("when-asked-sincerely");

        // The self-harm guardrail is a Core Guardian row like the others, without a ban ladder.
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "Self harm" }) });
        await Assertions.Expect(row).ToContainTextAsync("Never bans");
        await page.GetByLabel("Self harm switch").SelectOptionAsync("false");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save Core Guardian" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var guardrails = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{id}"))["defaultReplyParameters"]!["guardrails"]!;
        Assert.False((bool)guardrails["selfHarm"]!);
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Test_endpoints_shows_each_calls_status_latency_and_the_problems_found()
    {
        session.Customer.AddPair("u-1", "p-1", "Hi");
        session.Customer.Profiles["p-wrong"] = FakeCustomer.Profile("someone-else", "Marta");
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{session.Project.Id}/settings");
        await page.GetByLabel("User id").FillAsync("u-1");
        await page.GetByLabel("Persona id").FillAsync("p-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test endpoints" }).ClickAsync();
        var results = page.GetByRole(AriaRole.Table, new() { Name = "Endpoint test results" });
        await Assertions.Expect(results.GetByRole(AriaRole.Row)).ToHaveCountAsync(4);
        await Assertions.Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = "Persona profile" })).ToContainTextAsync("OK");

        await page.GetByLabel("Persona id").FillAsync("p-wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test endpoints" }).ClickAsync();
        var persona = page.GetByRole(AriaRole.Table, new() { Name = "Endpoint test results" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Persona profile" });
        await Assertions.Expect(persona).ToContainTextAsync("Failed");
        await Assertions.Expect(persona).ToContainTextAsync("id");
        Assert.Contains(session.Customer.Calls, c => c.Path == "/profile" && c.Query.Contains("p-wrong", StringComparison.Ordinal));
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "settings-endpoint-test");
    }
}
