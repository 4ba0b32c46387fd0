using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Replies.Prompt;
using DumGum.Tests.Admin;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static DumGum.Tests.Replies.Prompt.PromptFixtures;

namespace DumGum.Tests.Hardening;

/// <summary>Issue 9's smaller fixes: restart buffer, histogram buckets, format characters in prompts, the CLI's configuration.</summary>
public sealed class SmallFixesTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>docs/behaviour.md, "The enqueue flow": after a restart the buffer is the same merge as at enqueue.</summary>
    [Fact]
    public async Task After_a_restart_a_pending_conversation_keeps_the_projects_default_bufferSeconds()
    {
        // Both servers on one fake clock: the due time after the restart is exactly the enqueue's plus the buffer.
        var clock = new FakeTimeProvider(DumGumHost.WholeSecondNow());
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair("u-restart", "p-restart", "hi");
        var host1 = DumGumHost.Start(services: s => s.AddSingleton<TimeProvider>(clock));
        var path = host1.DatabasePath;
        var project = await host1.CreateProjectAsync(customer, new { defaultReplyParameters = new { bufferSeconds = 60 } });
        var accepted = clock.GetUtcNow();
        using (var response = await host1.EnqueueAsync(project.Key, new { userProfileId = "u-restart", personaProfileId = "p-restart", language = "EN" }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var id = host1.SingleConversationId();
        Assert.Equal(60, host1.Services.GetRequiredService<ConversationScheduler>().Timer(id)?.BufferSeconds);
        await host1.DisposeAsync();

        await using var host2 = DumGumHost.Start(path, services: s => s.AddSingleton<TimeProvider>(clock));
        Assert.Equal(accepted + TimeSpan.FromSeconds(60), await host2.WaitForTimerAsync(id));
        Assert.Equal(60, host2.Services.GetRequiredService<ConversationScheduler>().Timer(id)?.BufferSeconds);
        Assert.Equal(0, customer.CallCount("/history"));
    }

    /// <summary>Operations: the duration histograms have second-scale buckets.</summary>
    [Fact]
    public async Task Duration_histograms_use_second_scale_buckets()
    {
        await using var customer = await FakeCustomer.StartAsync();
        customer.AddPair("u-metric", "p-metric", "hi");
        await using var host = DumGumHost.Start();
        var project = await host.CreateProjectAsync(customer);
        using (var response = await host.EnqueueAsync(project.Key, new { userProfileId = "u-metric", personaProfileId = "p-metric", language = "EN", replyParameters = new { bufferSeconds = 0 } }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await customer.WaitForEventAsync(Events.AnswerCreated);

        string text = "";
        var until = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < until)
        {
            text = await host.Http.GetStringAsync("/metrics", Token);
            if (text.Contains("dumgum_delivery_duration_seconds_bucket", StringComparison.Ordinal)
                && text.Contains("dumgum_run_duration_seconds_bucket", StringComparison.Ordinal)) break;
            await Task.Delay(200, Token);
        }
        foreach (var name in new[] { "dumgum_delivery_duration_seconds_bucket", "dumgum_run_duration_seconds_bucket" })
        {
            var bounds = text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..]).Select(l => l[..l.IndexOf('"', StringComparison.Ordinal)])
                .Distinct().ToList();
            Assert.Contains("0.1", bounds);
            Assert.Contains("0.5", bounds);
            Assert.Contains("1", bounds);
            Assert.DoesNotContain("750", bounds);
        }
    }

    /// <summary>docs/behaviour.md, "Replies": bidi, zero-width and other format characters never reach the prompt.</summary>
    [Fact]
    public void Format_characters_in_profiles_and_history_do_not_reach_the_prompt()
    {
        var persona = Persona(p =>
        {
            p["firstName"] = "An\u202Ena";
            p["description"] = "\uFEFFCoffee\u200B first, \u2066adventures\u2069 second\u00AD.";
        });
        var user = User(u => u["firstName"] = "T\u200Eom\u2060");
        var history = new[]
        {
            FromUser("Hi\u200B Anna\u202E!", 10, sticker: "wav\u200Bing cat"),
            FromPersona("Hey\uFEFF", 5),
            FromUser("look \u202Eereh", 1),
        };
        var prompt = Build(Context(history: history, persona: persona, user: user));
        foreach (var message in prompt.Messages)
            Assert.DoesNotContain(message.Text, c => char.GetUnicodeCategory(c) == UnicodeCategory.Format);
        var all = All(prompt);
        Assert.Contains("Anna", all, StringComparison.Ordinal);
        Assert.Contains("Coffee first, adventures second.", all, StringComparison.Ordinal);
        Assert.Contains("look ereh", all, StringComparison.Ordinal);
        Assert.Contains("waving cat", all, StringComparison.Ordinal);
        Assert.DoesNotContain(ProfileRenderer.Facts(persona, Now), c => char.GetUnicodeCategory(c) == UnicodeCategory.Format);
        Assert.DoesNotContain(HistoryRenderer.Render(history[0], "Tom"), c => char.GetUnicodeCategory(c) == UnicodeCategory.Format);
    }

    [Fact]
    public void Joiners_inside_emoji_and_words_and_subdivision_flags_are_kept()
    {
        const string family = "👨\u200D👩\u200D👧";
        const string persian = "می\u200Cخواهم";
        const string england = "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F";
        Assert.Equal(family, PromptText.Clean(family));
        Assert.Equal(persian, PromptText.Clean(persian));
        Assert.Equal(england, PromptText.Clean(england));
        Assert.Equal("a b", PromptText.Clean("a\u200D b"));
        Assert.Equal("tag", PromptText.Clean("t\U000E0061ag"));
        const string plain = "nothing to strip, ça va?";
        Assert.Same(plain, PromptText.Clean(plain));
    }

    /// <summary>The command line reads configuration as its usage says, which is how the server reads it.</summary>
    [Fact]
    public async Task The_command_line_reads_settings_from_the_working_directory_the_environment_and_options_as_its_usage_says()
    {
        var help = await CliTests.RunAsync("help");
        Assert.Equal(0, help.Exit);
        Assert.DoesNotContain("DUMGUM_", help.Out, StringComparison.Ordinal);
        Assert.Contains("Storage__Sqlite__Path", help.Out, StringComparison.Ordinal);
        Assert.Contains("working directory", help.Out, StringComparison.Ordinal);

        // appsettings.json in the working directory, as the server reads it.
        var directory = Directory.CreateTempSubdirectory("dumgum-cli-");
        try
        {
            var fromFile = Path.Combine(directory.FullName, "from-file.db");
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"),
                new JsonObject { ["Storage"] = new JsonObject { ["Sqlite"] = new JsonObject { ["Path"] = fromFile } } }.ToJsonString(), Token);
            var created = await CliTests.RunInAsync(directory.FullName, null, "projects", "create", "--name", "From file",
                "--profile-url", "http://127.0.0.1:9/p", "--history-url", "http://127.0.0.1:9/h", "--incoming-url", "http://127.0.0.1:9/i",
                "--Security:AllowPrivateNetworkEndpoints", "true");
            Assert.True(created.Exit == 0, created.Err);
            Assert.True(File.Exists(fromFile), "the project went to the database named in the working directory's appsettings.json");

            // An environment variable with __, and a setting given as "--Key value".
            var fromEnvironment = Path.Combine(directory.FullName, "from-env.db");
            var listed = await CliTests.RunInAsync(directory.FullName, new() { ["Storage__Sqlite__Path"] = fromEnvironment }, "projects", "list");
            Assert.True(listed.Exit == 0, listed.Err);
            Assert.True(File.Exists(fromEnvironment));
            var fromOption = Path.Combine(directory.FullName, "from-option.db");
            var option = await CliTests.RunInAsync(directory.FullName, null, "projects", "list", "--Storage:Sqlite:Path", fromOption);
            Assert.True(option.Exit == 0, option.Err);
            Assert.True(File.Exists(fromOption));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
