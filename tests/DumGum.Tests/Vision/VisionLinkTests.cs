using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Replies.Vision;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Vision;

/// <summary>
/// A picture host on a loopback port: <c>HEAD</c>/<c>GET /{name}</c> answer 200 with the <c>Cache-Control</c> chosen per
/// name (none when not set). DumGum only ever HEADs it; the vision model server would GET it.
/// </summary>
public sealed class FakePictureHost : IAsyncDisposable
{
    readonly WebApplication app;

    FakePictureHost(WebApplication app) => this.app = app;

    public ConcurrentDictionary<string, string> CacheControl { get; } = new();
    public ConcurrentQueue<(string Method, string Name)> Requests { get; } = new();
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Headers { get; } = new();
    public string BaseUrl { get; private set; } = "";

    public string Url(string name) => $"{BaseUrl}/{name}";
    public int Heads(string name) => Requests.Count(r => r.Method == "HEAD" && r.Name == name);

    public static async Task<FakePictureHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var host = new FakePictureHost(app);
        app.MapMethods("/{name}", ["HEAD", "GET"], (string name, HttpContext http) =>
        {
            host.Requests.Enqueue((http.Request.Method, name));
            host.Headers.Enqueue(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            if (host.CacheControl.TryGetValue(name, out var value)) http.Response.Headers.CacheControl = value;
            http.Response.ContentType = "image/jpeg";
            http.Response.ContentLength = 4;
            return http.Request.Method == "HEAD" ? Task.CompletedTask : http.Response.Body.WriteAsync(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }).AsTask();
        });
        await app.StartAsync();
        host.BaseUrl = app.Urls.First().TrimEnd('/');
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>
/// Vision Link end to end (docs/behaviour.md, "Vision Link"): a real host, a fake OpenAI-compatible server that answers
/// as the chat model (<c>fake-chat</c>, blind) and as the vision model (<c>fake-vision</c>), and a picture host whose
/// Cache-Control decides how long an analysis is reused.
/// </summary>
public abstract class VisionLinkTests(StorageProvider provider) : StorageSuite(provider)
{
    const string Persona = "p-vision";

    /// <summary>What the fake vision model says of a picture: its file name decides (violent-*, selfharm-*, else fine).</summary>
    static ModelReply Answer(ModelRequest request)
    {
        if (request.Model != "fake-vision") return ModelReply.Json("Oh that looks lovely, tell me more!");
        var url = ImageUrls(request).Single();
        var name = url[(url.LastIndexOf('/') + 1)..];
        var verdict = name.StartsWith("violent", StringComparison.Ordinal) ? "VIOLENT_CONTENT"
            : name.StartsWith("selfharm", StringComparison.Ordinal) ? "SELF_HARM" : "OK";
        return new ModelReply(new JsonObject { ["description"] = $"A photo called {name}.", ["moderation"] = verdict }.ToJsonString());
    }

    static List<string> ImageUrls(ModelRequest request) =>
        request.Body["messages"]!.AsArray().OfType<JsonObject>()
            .SelectMany(m => m["content"] as JsonArray ?? [])
            .OfType<JsonObject>().Where(part => (string?)part["type"] == "image_url")
            .Select(part => (string)part["image_url"]!["url"]!).ToList();

    sealed class Rig : IAsyncDisposable
    {
        public FakeModelServer Model { get; private init; } = null!;
        public FakeCustomer Customer { get; private init; } = null!;
        public FakePictureHost Pictures { get; private init; } = null!;
        public DumGumHost Host { get; private init; } = null!;
        public DumGumHost.TestProject Project { get; private init; } = null!;

        public static async Task<Rig> StartAsync(VisionLinkTests suite, bool visionModel = true, TimeProvider? clock = null)
        {
            var model = await FakeModelServer.StartAsync();
            model.Default = Answer;
            var customer = await FakeCustomer.StartAsync();
            var pictures = await FakePictureHost.StartAsync();
            var settings = new Dictionary<string, string?>
            {
                ["Generation:Provider"] = "OpenAI",
                ["Generation:Endpoint"] = model.Endpoint,
                ["Generation:RetryBaseDelay"] = "00:00:00.010",
                ["Generation:Models:dating-smart-1:BackendModel"] = "fake-chat",
            };
            if (visionModel)
            {
                settings["Generation:Models:vision-1:BackendModel"] = "fake-vision";
                settings["Generation:Models:vision-1:Vision"] = "true";
                settings["Vision:Model"] = "vision-1";
            }
            var host = suite.StartHost(settings: settings,
                services: clock is null ? null : s => s.AddSingleton(clock));
            // Custom headers are for the customer's API; a picture host must never see them.
            var project = await host.CreateProjectAsync(customer, new { customHeaders = new Dictionary<string, string> { ["X-Customer-Secret"] = "s3cret" } });
            customer.Profiles[Persona] = FakeCustomer.Profile(Persona, "Marta");
            return new Rig { Model = model, Customer = customer, Pictures = pictures, Host = host, Project = project };
        }

        /// <summary>A user whose latest message shares <paramref name="pictures"/> (names on the picture host).</summary>
        public void UserShares(string user, params string[] pictures)
        {
            Customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
            Customer.AddMessage(user, Persona, new JsonObject
            {
                ["id"] = "m-" + Guid.NewGuid().ToString("N")[..8], ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.ToString("O"),
                ["text"] = "look at this",
                ["pictureUrls"] = new JsonArray([.. pictures.Select(p => (JsonNode)Pictures.Url(p))]),
            });
        }

        /// <summary>
        /// An enqueue for <paramref name="user"/> and the answer it creates. The reply parameters are
        /// <paramref name="replyParameters"/> when given, else no buffer and the shared and persona picture analyses.
        /// </summary>
        public async Task<JsonObject> AnswerAsync(string user, bool testMode = false, JsonObject? replyParameters = null)
        {
            var before = Customer.Events.Count(e => e.Event == Events.AnswerCreated && FakeCustomer.UserOf(e) == user);
            using (var response = await Host.EnqueueAsync(Project.Key, new
            {
                userProfileId = user, personaProfileId = Persona, language = "EN", testMode,
                replyParameters = (object?)replyParameters ?? new
                {
                    bufferSeconds = "0",
                    vision = new { sharedPicturesAnalysis = true, personaProfilePictureAnalysis = true },
                },
            }))
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            return (await Customer.WaitForEventAsync(Events.AnswerCreated, user, before + 1, seconds: 60))[before].Data["answer"]!.AsObject();
        }

        /// <summary>
        /// <c>/generate</c> for <paramref name="user"/> (who must be in the customer's profiles) with the persona, both
        /// profiles and the pair's history as the customer holds them, sent inline; the same vision switches as
        /// <see cref="AnswerAsync"/>.
        /// </summary>
        public async Task<HttpResponseMessage> GenerateAsync(string user)
        {
            var body = new JsonObject
            {
                ["userProfile"] = Customer.Profiles[user].DeepClone(),
                ["personaProfile"] = Customer.Profiles[Persona].DeepClone(),
                ["messages"] = new JsonArray([.. Customer.Histories[(user, Persona)].Select(m => m.DeepClone())]),
                ["language"] = "EN",
                ["replyParameters"] = new JsonObject
                {
                    ["vision"] = new JsonObject { ["sharedPicturesAnalysis"] = true, ["personaProfilePictureAnalysis"] = true },
                },
            };
            var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/generate")
            {
                Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", Project.Key);
            return await Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        public async Task<JsonObject> GeneratedAnswerAsync(string user)
        {
            using var response = await GenerateAsync(user);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
            return Assert.Single(JsonNode.Parse(text)!["answers"]!.AsArray())!.AsObject();
        }

        /// <summary>The project's Smart Share switch (docs/behaviour.md, "Replies", Smart Share).</summary>
        public async Task SmartShareAsync(bool enabled) =>
            await Host.AdminJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{Project.Id}", new { smartShareEnabled = enabled });

        /// <summary>
        /// The URL of a Smart Share photo: https, because only https photos are offered to the chat model. The picture host
        /// speaks plain http, so the HEAD of such a URL fails and its analysis is kept for the default age; the fake vision
        /// model reads the file name from the URL and never fetches it.
        /// </summary>
        public string Shareable(string name) => $"https://{new Uri(Pictures.BaseUrl).Authority}/{name}";

        public List<ModelRequest> VisionCalls => Model.Requests.Where(r => r.Model == "fake-vision").ToList();
        public List<ModelRequest> ReplyCalls => Model.Requests.Where(r => r.Model == "fake-chat").ToList();

        public async Task<JsonObject> ItemisationAsync(JsonObject answer) =>
            (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{Project.Id}/answers/{(string)answer["id"]!}"))["itemisation"]!.AsObject();

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Pictures.DisposeAsync();
            await Customer.DisposeAsync();
            await Model.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_picture_is_analysed_once_per_URL_for_the_project_and_billed_once()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.Pictures.CacheControl["beach.jpg"] = "public, max-age=3600";
        rig.UserShares("u-first", "beach.jpg");

        var first = await rig.AnswerAsync("u-first");
        Assert.Equal("0.0150", (string?)first["cost"]);   // the blind chat model is free here; one photo analysed
        var analysis = Assert.Single(rig.VisionCalls);
        Assert.Equal([rig.Pictures.Url("beach.jpg")], ImageUrls(analysis));
        Assert.Equal(1, rig.Pictures.Heads("beach.jpg"));
        var head = Assert.Single(rig.Pictures.Headers);
        Assert.False(head.ContainsKey("X-Customer-Secret"));
        Assert.StartsWith("DumGum/", head["User-Agent"], StringComparison.Ordinal);
        Assert.Contains(rig.Customer.Calls, c => c.Headers.TryGetValue("X-Customer-Secret", out var v) && v == "s3cret");
        // The blind chat model gets the description, never the image.
        var reply = Assert.Single(rig.ReplyCalls);
        Assert.Contains("A photo called beach.jpg.", reply.PromptText, StringComparison.Ordinal);
        Assert.Empty(ImageUrls(reply));
        var items = await rig.ItemisationAsync(first);
        Assert.Contains(items["blocks"]!.AsArray(), b => (string?)b!["name"] == "pictures");
        Assert.Equal(1, (int)items["vision"]!["analysed"]!);
        Assert.Equal(0.015m, (decimal)items["vision"]!["cost"]!);
        Assert.Equal("ANALYSED", (string?)items["vision"]!["pictures"]![0]!["outcome"]);
        Assert.Equal("max-age=3600", (string?)items["vision"]!["pictures"]![0]!["cache"]);

        // Another conversation of the project shares the same picture: from the cache, free, no call, no HEAD.
        rig.UserShares("u-second", "beach.jpg");
        var second = await rig.AnswerAsync("u-second");
        Assert.Equal("0.0000", (string?)second["cost"]);
        Assert.Single(rig.VisionCalls);
        Assert.Equal(1, rig.Pictures.Heads("beach.jpg"));
        Assert.Contains("A photo called beach.jpg.", rig.ReplyCalls[^1].PromptText, StringComparison.Ordinal);
        Assert.Equal("CACHED", (string?)(await rig.ItemisationAsync(second))["vision"]!["pictures"]![0]!["outcome"]);

        // Stored for exactly the picture's max-age, in the database every node reads.
        using var connection = rig.Host.Database.Open();
        using var command = connection.Sql("SELECT expires_at - analysed_at FROM vision_analyses WHERE project_id = @p AND url = @u")
            .With("@p", rig.Project.Id).With("@u", rig.Pictures.Url("beach.jpg"));
        Assert.Equal(3_600_000L, command.ExecuteScalar().AsInt64());
    }

    [Fact]
    public async Task Each_analysed_photo_adds_its_price_and_the_main_pictures_count_too()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.Customer.Profiles[Persona]["mainPictureUrl"] = rig.Pictures.Url("marta.jpg");
        rig.UserShares("u-two", "a.jpg", "b.jpg");

        var answer = await rig.AnswerAsync("u-two");

        Assert.Equal("0.0450", (string?)answer["cost"]);
        Assert.Equal(3, rig.VisionCalls.Count);
        Assert.Contains("Your own main profile photo: A photo called marta.jpg.", rig.ReplyCalls[^1].PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_store_means_the_picture_is_analysed_again_every_time()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.Pictures.CacheControl["secret.jpg"] = "no-store";
        rig.UserShares("u-a", "secret.jpg");
        rig.UserShares("u-b", "secret.jpg");

        Assert.Equal("0.0150", (string?)(await rig.AnswerAsync("u-a"))["cost"]);
        Assert.Equal("0.0150", (string?)(await rig.AnswerAsync("u-b"))["cost"]);

        Assert.Equal(2, rig.VisionCalls.Count);
        using var connection = rig.Host.Database.Open();
        using var command = connection.Sql("SELECT COUNT(*) FROM vision_analyses WHERE project_id = @p").With("@p", rig.Project.Id);
        Assert.Equal(0L, command.ExecuteScalar().AsInt64());
    }

    [Fact]
    public async Task An_analysis_expires_with_the_pictures_max_age()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var rig = await Rig.StartAsync(this, clock: clock);
        rig.Pictures.CacheControl["hour.jpg"] = "max-age=3600";
        rig.UserShares("u-early", "hour.jpg");
        Assert.Equal("0.0150", (string?)(await rig.AnswerAsync("u-early"))["cost"]);

        // Still fresh a second before the hour is over: from the cache.
        clock.Advance(TimeSpan.FromSeconds(3599));
        rig.UserShares("u-within", "hour.jpg");
        Assert.Equal("0.0000", (string?)(await rig.AnswerAsync("u-within"))["cost"]);
        Assert.Single(rig.VisionCalls);

        // Past its max-age: analysed (and billed) again, with a new HEAD.
        clock.Advance(TimeSpan.FromSeconds(2));
        rig.UserShares("u-late", "hour.jpg");
        Assert.Equal("0.0150", (string?)(await rig.AnswerAsync("u-late"))["cost"]);
        Assert.Equal(2, rig.VisionCalls.Count);
        Assert.Equal(2, rig.Pictures.Heads("hour.jpg"));
    }

    [Fact]
    public async Task A_violent_shared_picture_is_rejected_before_the_answer_and_left_out_of_the_reply()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.UserShares("u-mod", "violent-1.jpg", "cat.jpg");

        var answer = await rig.AnswerAsync("u-mod");

        var events = rig.Customer.Events.Where(e => e.Event is ImageRejectedName or Events.AnswerCreated).ToList();
        Assert.Equal([ImageRejectedName, Events.AnswerCreated], events.Select(e => e.Event));
        Assert.Equal(new JsonObject
        {
            ["event"] = ImageRejectedName,
            ["data"] = new JsonObject
            {
                ["projectId"] = rig.Project.Id, ["sourceProfileId"] = "u-mod",
                ["pictureUrl"] = rig.Pictures.Url("violent-1.jpg"), ["reason"] = "VIOLENT_CONTENT",
            },
        }.ToJsonString(), events[0].Body);
        // The reply went on, without the rejected picture: no description, no mention of two pictures.
        var prompt = rig.ReplyCalls[^1].PromptText;
        Assert.DoesNotContain("violent-1", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("2 pictures", prompt, StringComparison.Ordinal);
        Assert.Contains("A photo called cat.jpg.", prompt, StringComparison.Ordinal);
        Assert.Equal("0.0300", (string?)answer["cost"]);   // both were analysed
        var items = await rig.ItemisationAsync(answer);
        Assert.Contains(items["vision"]!["pictures"]!.AsArray(), p => (string?)p!["rejection"] == "VIOLENT_CONTENT");

        // The chat goes on: the rejected picture, now older history, stays out silently (its event went out once), and
        // the accepted one is described from the cache, for free.
        rig.Customer.AddMessage("u-mod", Persona, new JsonObject
        {
            ["id"] = "m-persona", ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = "Cute cat!",
        });
        rig.Customer.AddUserText("u-mod", Persona, "thanks, what about you?");
        var next = await rig.AnswerAsync("u-mod");
        Assert.Equal("0.0000", (string?)next["cost"]);
        Assert.Single(rig.Customer.Events, e => e.Event == ImageRejectedName);
        Assert.Equal(2, rig.VisionCalls.Count);
        var later = rig.ReplyCalls[^1].PromptText;
        Assert.DoesNotContain("violent-1", later, StringComparison.Ordinal);
        Assert.Contains("A picture Tomas shared earlier: A photo called cat.jpg.", later, StringComparison.Ordinal);
    }

    const string ImageRejectedName = "chat.image.rejected";

    [Fact]
    public async Task Generate_analyses_bills_and_moderates_pictures_like_a_run_and_leaves_a_rejected_one_out_silently()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.Pictures.CacheControl["cat.jpg"] = "max-age=3600";
        rig.UserShares("u-sync", "violent-1.jpg", "cat.jpg");

        var answer = await rig.GeneratedAnswerAsync("u-sync");

        Assert.Equal("0.0300", (string?)answer["cost"]);   // both pictures analysed, the rejected one too
        Assert.Equal(2, rig.VisionCalls.Count);
        var prompt = Assert.Single(rig.ReplyCalls).PromptText;
        Assert.DoesNotContain("violent-1", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("2 pictures", prompt, StringComparison.Ordinal);
        Assert.Contains("A photo called cat.jpg.", prompt, StringComparison.Ordinal);
        Assert.Equal(2, (await rig.Host.WaitForLogsAsync(rig.Project.Id, "vision", l => l.Count >= 2)).Count);

        // The analyses are the project's: a conversation run sharing the same picture gets it from the cache, for free.
        rig.UserShares("u-async", "cat.jpg");
        var later = await rig.AnswerAsync("u-async");
        Assert.Equal("0.0000", (string?)later["cost"]);
        Assert.Equal(2, rig.VisionCalls.Count);
        // /generate sends no event: no chat.image.rejected, nothing about its user at all.
        Assert.DoesNotContain(rig.Customer.Events, e => e.Event == ImageRejectedName || FakeCustomer.UserOf(e) == "u-sync");
        Assert.DoesNotContain(rig.Customer.Calls, c => c.Query.Contains("u-sync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generate_and_a_conversation_run_write_the_same_reply_with_the_same_guardrail_stop_ban_and_bill()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.Model.Default = request => request.Model == "fake-chat" && request.PromptText.Contains("loser", StringComparison.Ordinal)
            ? new ModelReply(ModelReply.Structured(["I won't be talked to this way. Goodbye."], trueSignal: "hostile"))
            : Answer(request);
        rig.Pictures.CacheControl["selfie.jpg"] = "no-store";   // analysed (and billed) by each
        foreach (var user in new[] { "u-run", "u-generate" })
        {
            rig.UserShares(user, "selfie.jpg");
            rig.Customer.AddUserText(user, Persona, "whatever, loser");
        }

        var run = await rig.AnswerAsync("u-run");
        var generated = await rig.GeneratedAnswerAsync("u-generate");

        foreach (var answer in new[] { run, generated })
        {
            Assert.Equal("USER_HOSTILE", (string?)answer["conversationStopReason"]);
            Assert.Equal("I won't be talked to this way. Goodbye.", (string?)answer["text"]);
            Assert.Equal("0.0150", (string?)answer["cost"]);
        }
        Assert.Equal(run["conversationStoppedUntil"] is null, generated["conversationStoppedUntil"] is null);
        Assert.Equal(2, rig.VisionCalls.Count);
        Assert.All(rig.ReplyCalls, r => Assert.Contains("A photo called selfie.jpg.", r.PromptText, StringComparison.Ordinal));

        // One ban ledger: the pair stopped by the run is refused by /generate, the pair stopped by /generate by enqueue.
        using (var refused = await rig.GenerateAsync("u-run")) Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        using (var refused = await rig.Host.EnqueueAsync(rig.Project.Key, new { userProfileId = "u-generate", personaProfileId = Persona, language = "EN" }))
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }

    [Fact]
    public async Task Without_a_vision_model_vision_is_skipped_with_one_project_log_line_and_the_reply_still_comes()
    {
        await using var rig = await Rig.StartAsync(this, visionModel: false);
        rig.UserShares("u-blind", "beach.jpg", "violent-2.jpg");

        var answer = await rig.AnswerAsync("u-blind");

        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.Empty(rig.VisionCalls);
        Assert.Empty(rig.Pictures.Requests);
        Assert.DoesNotContain(rig.Customer.Events, e => e.Event == ImageRejectedName);
        var logs = await rig.Host.WaitForLogsAsync(rig.Project.Id, "vision", l => l.Count > 0);
        var line = Assert.Single(logs);
        Assert.Contains("vision.* skipped: no vision model is configured", (string?)line["error"], StringComparison.Ordinal);
        Assert.NotNull((await rig.ItemisationAsync(answer))["vision"]!["skipped"]);
    }

    [Fact]
    public async Task In_test_mode_vision_is_skipped_and_costs_nothing()
    {
        await using var rig = await Rig.StartAsync(this);
        rig.UserShares("u-test", "beach.jpg");

        var answer = await rig.AnswerAsync("u-test", testMode: true);

        Assert.Equal("0.0000", (string?)answer["cost"]);
        Assert.Empty(rig.VisionCalls);
        var line = Assert.Single(await rig.Host.WaitForLogsAsync(rig.Project.Id, "vision", l => l.Count > 0));
        Assert.Contains("testMode", (string?)line["error"], StringComparison.Ordinal);
    }

    /// <summary>The reply parameters of a Smart Share run: no buffer, <paramref name="vision"/>, and the photos offered.</summary>
    static JsonObject SmartShareParameters(JsonObject vision, params (string Id, string Url, string? Caption)[] offered) => new()
    {
        ["bufferSeconds"] = "0",
        ["vision"] = vision,
        ["shareablePictures"] = new JsonArray([.. offered.Select(p =>
        {
            var photo = new JsonObject { ["id"] = p.Id, ["url"] = p.Url };
            if (p.Caption is not null) photo["caption"] = p.Caption;
            return (JsonNode)photo;
        })]),
    };

    /// <summary>A chat in which the persona has already shared <paramref name="sharedPhoto"/> and the user then wrote <paramref name="text"/>.</summary>
    static void ChatAfterASharedPhoto(Rig rig, string user, string sharedPhoto, string text)
    {
        rig.Customer.Profiles[user] = FakeCustomer.Profile(user, "Tomas");
        rig.Customer.AddMessage(user, Persona, new JsonObject
        {
            ["id"] = "m-" + Guid.NewGuid().ToString("N")[..8], ["sender"] = "PERSONA", ["date"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"),
            ["text"] = "Me last summer!", ["pictureUrls"] = new JsonArray(sharedPhoto),
        });
        rig.Customer.AddUserText(user, Persona, text);
    }

    static List<string> AnalysedUrls(Rig rig) => [.. rig.VisionCalls.Select(c => Assert.Single(ImageUrls(c))).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task With_shareablePicturesAnalysis_and_Smart_Share_uncaptioned_offered_photos_are_described_and_the_model_picks_by_the_description()
    {
        await using var rig = await Rig.StartAsync(this);
        await rig.SmartShareAsync(true);
        // The ids say nothing of the photos: only the analysis tells the chat model which one shows the dog.
        rig.Model.Default = request => request.Model == "fake-chat"
            && Regex.Match(request.PromptText, "Your shareable photo id \"([^\"]+)\": A photo called dog\\.jpg\\.") is { Success: true } dog
                ? new ModelReply(ModelReply.Structured(["I do, this is Luna, she is the boss of the house!"], pictureId: dog.Groups[1].Value))
                : Answer(request);
        ChatAfterASharedPhoto(rig, "u-share", rig.Shareable("summer.jpg"), "Do you have a dog? I love dogs");

        var answer = await rig.AnswerAsync("u-share", replyParameters: SmartShareParameters(
            new JsonObject { ["shareablePicturesAnalysis"] = true },
            ("p-1", rig.Shareable("beach.jpg"), null),
            ("p-2", rig.Shareable("dog.jpg"), null),
            ("p-3", rig.Shareable("cat.jpg"), "My cat Miso on the sofa"),   // captioned: the caption says enough
            ("p-4", rig.Shareable("summer.jpg"), null),                      // already shared in this chat
            ("p-5", rig.Shareable("violent-5.jpg"), null)));

        // One analysis per uncaptioned photo not yet shared, billed like any other picture.
        Assert.Equal([rig.Shareable("beach.jpg"), rig.Shareable("dog.jpg"), rig.Shareable("violent-5.jpg")], AnalysedUrls(rig));
        Assert.Equal("0.0450", (string?)answer["cost"]);
        // The descriptions reach the chat model, each named by the id it may pick...
        var prompt = Assert.Single(rig.ReplyCalls).PromptText;
        Assert.Contains("Your shareable photo id \"p-1\": A photo called beach.jpg.", prompt, StringComparison.Ordinal);
        Assert.Contains("Your shareable photo id \"p-2\": A photo called dog.jpg.", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("A photo called cat.jpg.", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("A photo called summer.jpg.", prompt, StringComparison.Ordinal);
        // ...except one the vision model flags: kept from her sight, with no event (the customer moderates his own photos).
        Assert.DoesNotContain("violent-5", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.Customer.Events, e => e.Event == ImageRejectedName);
        // The photo the model chose by its description goes out with the answer.
        Assert.Equal(rig.Shareable("dog.jpg"), (string?)answer["pictureUrl"]);
        Assert.Equal("I do, this is Luna, she is the boss of the house!", (string?)answer["text"]);
        var vision = (await rig.ItemisationAsync(answer))["vision"]!;
        Assert.Equal(3, (int)vision["analysed"]!);
        var pictures = vision["pictures"]!.AsArray();
        Assert.Equal(3, pictures.Count);
        Assert.All(pictures, p => Assert.Equal("SHAREABLE", (string?)p!["kind"]));
        Assert.Equal("VIOLENT_CONTENT", (string?)Assert.Single(pictures, p => (string?)p!["url"] == rig.Shareable("violent-5.jpg"))!["rejection"]);
    }

    [Fact]
    public async Task Without_shareablePicturesAnalysis_or_without_Smart_Share_no_offered_photo_is_analysed()
    {
        await using var rig = await Rig.StartAsync(this);
        (string, string, string?)[] offered = [("p-1", rig.Shareable("beach.jpg"), null), ("p-2", rig.Shareable("dog.jpg"), null)];

        // Smart Share off (the project's default): asking for the analysis is not enough. The picture the user shares shows
        // that Vision Link ran all the same.
        rig.UserShares("u-off", "selfie-1.jpg");
        var off = await rig.AnswerAsync("u-off", replyParameters: SmartShareParameters(
            new JsonObject { ["sharedPicturesAnalysis"] = true, ["shareablePicturesAnalysis"] = true }, offered));

        // Smart Share on, the analysis not asked for.
        await rig.SmartShareAsync(true);
        rig.UserShares("u-unasked", "selfie-2.jpg");
        var unasked = await rig.AnswerAsync("u-unasked", replyParameters: SmartShareParameters(
            new JsonObject { ["sharedPicturesAnalysis"] = true, ["shareablePicturesAnalysis"] = false }, offered));

        Assert.Equal([rig.Pictures.Url("selfie-1.jpg"), rig.Pictures.Url("selfie-2.jpg")], AnalysedUrls(rig));
        foreach (var answer in new[] { off, unasked })
        {
            Assert.Equal("0.0150", (string?)answer["cost"]);
            Assert.DoesNotContain((await rig.ItemisationAsync(answer))["vision"]!["pictures"]!.AsArray(), p => (string?)p!["kind"] == "SHAREABLE");
        }
        Assert.Equal(2, rig.ReplyCalls.Count);
        Assert.All(rig.ReplyCalls, r => Assert.DoesNotContain("shareable photo", r.PromptText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task At_most_MaxShareablePictures_offered_photos_are_analysed_in_a_run()
    {
        await using var rig = await Rig.StartAsync(this);
        await rig.SmartShareAsync(true);
        ChatAfterASharedPhoto(rig, "u-many", rig.Shareable("summer.jpg"), "Show me more of your life!");
        var many = VisionLink.MaxShareablePictures + 2;
        // A captioned photo and one already shared come first: they are not analysed, so they do not use up the limit.
        (string, string, string?)[] offered =
        [
            ("p-captioned", rig.Shareable("captioned.jpg"), "Me at the lake"),
            ("p-summer", rig.Shareable("summer.jpg"), null),
            .. Enumerable.Range(1, many).Select(i => ($"p-{i}", rig.Shareable($"photo-{i}.jpg"), (string?)null)),
        ];

        var answer = await rig.AnswerAsync("u-many", replyParameters: SmartShareParameters(
            new JsonObject { ["shareablePicturesAnalysis"] = true }, offered));

        // The first ones offered, up to the limit; the rest are offered to the model undescribed, as without the analysis.
        var analysed = Enumerable.Range(1, VisionLink.MaxShareablePictures).Select(i => rig.Shareable($"photo-{i}.jpg")).Order(StringComparer.Ordinal);
        Assert.Equal(analysed, AnalysedUrls(rig));
        Assert.Equal((VisionLink.MaxShareablePictures * VisionLink.PricePerPhoto).ToString("0.0000", CultureInfo.InvariantCulture), (string?)answer["cost"]);
        var prompt = Assert.Single(rig.ReplyCalls).PromptText;
        for (var i = 1; i <= many; i++)
        {
            var described = $"Your shareable photo id \"p-{i}\": A photo called photo-{i}.jpg.";
            if (i <= VisionLink.MaxShareablePictures) Assert.Contains(described, prompt, StringComparison.Ordinal);
            else
            {
                Assert.DoesNotContain(described, prompt, StringComparison.Ordinal);
                Assert.Contains($"- id \"p-{i}\": (no description)", prompt, StringComparison.Ordinal);
            }
        }
        Assert.Equal(VisionLink.MaxShareablePictures, (int)(await rig.ItemisationAsync(answer))["vision"]!["analysed"]!);
    }
}

public sealed class VisionLinkTestsOnSqlite() : VisionLinkTests(StorageProvider.Sqlite);

public sealed class VisionLinkTestsOnPostgres() : VisionLinkTests(StorageProvider.Postgres);
