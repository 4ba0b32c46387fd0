using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Replies;

/// <summary>Vision Link: pictures reach a vision-capable model with the prompt; other models never get them.</summary>
public sealed class VisionTests
{
    const string User = ModelBackendTests.User, Persona = ModelBackendTests.Persona;

    static void Pictures(FakeCustomer customer)
    {
        customer.Profiles[User]["mainPictureUrl"] = "https://cdn.example.com/u/main.jpg";
        customer.Profiles[Persona]["mainPictureUrl"] = "https://cdn.example.com/p/main.png";
        customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m1", ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = "my view right now",
            ["pictureUrls"] = new JsonArray("https://cdn.example.com/u/beach.webp", "http://insecure.example.com/x.jpg"),
        });
    }

    static List<string> ImageUrls(JsonObject body) =>
        body["messages"]!.AsArray().OfType<JsonObject>()
            .SelectMany(m => m["content"] as JsonArray ?? [])
            .OfType<JsonObject>().Where(part => (string?)part["type"] == "image_url")
            .Select(part => (string)part["image_url"]!["url"]!).ToList();

    static readonly object AllVision = new
    {
        bufferSeconds = "0",
        vision = new { userProfilePictureAnalysis = true, personaProfilePictureAnalysis = true, sharedPicturesAnalysis = true },
    };

    [Fact]
    public async Task A_vision_capable_chat_model_gets_the_analysed_pictures_as_images_after_their_analysis()
    {
        // The chat model is the only vision-capable one, so it also analyses (docs/behaviour.md, "Vision Link").
        await using var rig = await ModelBackendTests.Rig.StartAsync(new() { ["Generation:Models:dating-smart-1:Vision"] = "true" });
        await using var pictures = await DumGum.Tests.Vision.FakePictureHost.StartAsync();
        rig.Customer.Profiles[User]["mainPictureUrl"] = pictures.Url("u-main.jpg");
        rig.Customer.Profiles[Persona]["mainPictureUrl"] = pictures.Url("p-main.png");
        rig.Customer.AddMessage(User, Persona, new JsonObject
        {
            ["id"] = "m1", ["sender"] = "USER", ["date"] = DateTimeOffset.UtcNow.ToString("O"), ["text"] = "my view right now",
            ["pictureUrls"] = new JsonArray(pictures.Url("beach.webp"), "ftp://elsewhere.example.com/x.jpg"),
        });
        rig.Model.Default = request => request.Messages[0].Content.Contains("You also moderate it", StringComparison.Ordinal)
            ? new ModelReply("""{"description": "A sunny picture.", "moderation": "OK"}""")
            : new ModelReply(ModelReply.Structured(["What a view, is that near you?"]));
        await rig.EnqueueAsync(AllVision);
        await rig.AnswerAsync();

        var requests = rig.Model.Requests.ToList();
        Assert.Equal(4, requests.Count);   // three analyses (the ftp URL is ignored), then the reply
        var reply = requests[^1].Body;
        Assert.Equal([pictures.Url("p-main.png"), pictures.Url("u-main.jpg"), pictures.Url("beach.webp")], ImageUrls(reply));
        Assert.Contains("Your own main profile photo: A sunny picture.", requests[^1].PromptText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_switches_no_picture_is_sent()
    {
        await using var rig = await ModelBackendTests.Rig.StartAsync(new() { ["Generation:Models:dating-smart-1:Vision"] = "true" });
        Pictures(rig.Customer);
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["Nice!"])));
        await rig.EnqueueAsync(new { bufferSeconds = "0" });
        await rig.AnswerAsync();
        Assert.Empty(ImageUrls(Assert.Single(rig.Model.Requests).Body));
    }

    [Fact]
    public async Task A_model_not_configured_for_vision_never_gets_pictures()
    {
        await using var rig = await ModelBackendTests.Rig.StartAsync();
        Pictures(rig.Customer);
        rig.Model.Enqueue(new ModelReply(ModelReply.Structured(["Nice!"])));
        await rig.EnqueueAsync(AllVision);
        await rig.AnswerAsync();
        Assert.Empty(ImageUrls(Assert.Single(rig.Model.Requests).Body));
    }
}
