using System.Net;
using DumGum.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>The Memories page in a real browser: a pair's memories listed, one edited, one deleted, each change stored.</summary>
public sealed class MemoriesPageTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task A_pairs_memories_are_listed_edited_and_deleted()
    {
        var host = session.Host;
        var path = $"/admin/v1/projects/{session.Project.Id}/memories";
        await host.AdminJsonAsync(HttpMethod.Put, $"{path}/user_lives_in_madrid?userProfileId=u-m&personaProfileId=p-m",
            new { target = "USER", category = "LOCATION", description = "Lives in Madrid", tags = new[] { "madrid" } });
        await host.AdminJsonAsync(HttpMethod.Put, $"{path}/persona_has_a_cat?userProfileId=u-m&personaProfileId=p-m",
            new { target = "PERSONA", category = "PET", description = "Has a cat called Miso", tags = new[] { "cat" } });

        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{session.Project.Id}/memories");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Memories", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("User id").FillAsync("u-m");
        await page.GetByLabel("Persona id").FillAsync("p-m");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show memories" }).ClickAsync();
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Memories" }).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "user_lives_in_madrid" })).ToContainTextAsync("Lives in Madrid");
        await BrowserFixture.AssertAccessibleAsync(page);

        // Edit: a broken date shows the API's message at its field; a good edit is saved.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit user_lives_in_madrid" }).ClickAsync();
        await page.GetByLabel("Event start date").FillAsync("2026-12-11");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save memory" }).ClickAsync();
        await Assertions.Expect(page.Locator("#f-start-error")).ToContainTextAsync("only used for category EVENT");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Event start date").FillAsync("");
        await page.GetByLabel("Description").FillAsync("Lives in Valencia now");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save memory" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("saved");
        await Assertions.Expect(rows.Filter(new() { HasText = "user_lives_in_madrid" })).ToContainTextAsync("Lives in Valencia now");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete persona_has_a_cat" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("deleted");
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        var stored = await host.AdminJsonAsync(HttpMethod.Get, $"{path}?userProfileId=u-m&personaProfileId=p-m");
        var only = Assert.Single(stored["items"]!.AsArray());
        Assert.Equal("Lives in Valencia now", (string?)only!["description"]);
    }

    /// <summary>The same page's forms over plain HTTP (runs where no Chromium is installed): list, refused edit, edit, delete.</summary>
    [Fact]
    public async Task The_forms_edit_and_delete_over_http()
    {
        var host = session.Host;
        var api = $"/admin/v1/projects/{session.Project.Id}/memories";
        await host.AdminJsonAsync(HttpMethod.Put, $"{api}/user_lives_in_madrid?userProfileId=u-h&personaProfileId=p-h",
            new { target = "USER", category = "LOCATION", description = "Lives in Madrid" });
        await host.AdminJsonAsync(HttpMethod.Put, $"{api}/persona_has_a_cat?userProfileId=u-h&personaProfileId=p-h",
            new { target = "PERSONA", category = "PET", description = "Has a cat called Miso" });
        using var forms = new DashboardForms(host.BaseAddress);
        using (var signedIn = await forms.SignInAsync()) Assert.True(signedIn.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK);
        var page = $"/dashboard/projects/{session.Project.Id}/memories?user=u-h&persona=p-h";

        using (var list = await forms.GetAsync(page))
        {
            var html = await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.Contains("Lives in Madrid", html, StringComparison.Ordinal);
            Assert.Contains("Has a cat called Miso", html, StringComparison.Ordinal);
        }

        var edit = page + "&edit=user_lives_in_madrid";
        var token = await forms.FormTokenAsync(edit);
        using (var refused = await forms.PostFormAsync(edit, [
                   new("_handler", "edit"), new("__RequestVerificationToken", token), new("Description", "Lives in Madrid"),
                   new("Category", "LOCATION"), new("Tags", ""), new("Start", "2026-12-11"), new("End", ""),
               ]))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("only used for category EVENT", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        using (var saved = await forms.PostFormAsync(edit, [
                   new("_handler", "edit"), new("__RequestVerificationToken", token), new("Description", "Lives in Valencia now"),
                   new("Category", "LOCATION"), new("Tags", "valencia, home"), new("Start", ""), new("End", ""),
               ]))
            Assert.True(saved.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, saved.StatusCode.ToString());
        using (var deleted = await forms.PostFormAsync(page, [new("_handler", "delete-persona_has_a_cat"), new("__RequestVerificationToken", token)]))
            Assert.True(deleted.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, deleted.StatusCode.ToString());

        var stored = await host.AdminJsonAsync(HttpMethod.Get, $"{api}?userProfileId=u-h&personaProfileId=p-h");
        var only = Assert.Single(stored["items"]!.AsArray());
        Assert.Equal("Lives in Valencia now", (string?)only!["description"]);
        Assert.Equal("""["valencia","home"]""", only["tags"]!.ToJsonString());
    }
}
