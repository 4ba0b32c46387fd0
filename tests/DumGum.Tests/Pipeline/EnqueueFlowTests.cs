using DumGum.Storage;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;

namespace DumGum.Tests.Pipeline;

public abstract class EnqueueFlowTests(StorageProvider provider) : StorageSuite(provider)
{
    [Fact]
    public async Task Documented_example_is_accepted_and_answered_with_signed_processing_and_created_events()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = StartHost();
        var project = await host.CreateProjectAsync(customer);
        customer.Profiles["u-70412"] = FakeCustomer.Profile("u-70412", "Tomas", "Europe/London", "2025-05-30T18:02:11Z");
        customer.Profiles["per-3318"] = FakeCustomer.Profile("per-3318", "Marta", "Europe/Madrid", "v17");
        customer.AddUserText("u-70412", "per-3318", "Hola! Que tal tu dia?");

        var before = DateTimeOffset.UtcNow;
        using var response = await host.EnqueueAsync(project.Key, JsonNode.Parse("""
            {
              "userProfileId": "u-70412",
              "personaProfileId": "per-3318",
              "language": "ES",
              "additionalLanguages": ["EN"],
              "userProfileVersion": "2025-05-30T18:02:11Z",
              "personaProfileVersion": "v17",
              "tags": { "funnel": "trial", "appBuild": "4.12.0", "n": 3, "vip": true, "none": null },
              "testMode": false,
              "replyParameters": {
                "chatModel": "chat-2-smart",
                "bufferSeconds": "0",
                "maxProcessingTimeSeconds": "240",
                "enableSexualTextContent": false,
                "multipleMessagesPerReply": true,
                "replyTypingDelay": "FAST",
                "engage": null,
                "meetingPolicy": "DEFERRED_MEETING",
                "vision": { "userProfilePictureAnalysis": true, "personaProfilePictureAnalysis": true, "sharedPicturesAnalysis": true }
              }
            }
            """)!);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        var created = (await customer.WaitForEventAsync(Events.AnswerCreated))[0];
        var processing = (await customer.WaitForEventAsync(Events.AnswerProcessing))[0];
        Assert.True(customer.Events.ToList().IndexOf(processing) < customer.Events.ToList().IndexOf(created), "processing comes first");

        foreach (var e in new[] { processing, created })
        {
            Assert.StartsWith("evt_", e.WebhookId, StringComparison.Ordinal);
            Assert.True(WebhookSigner.Verify(project.WebhookSecret, e.WebhookId, e.Timestamp, Encoding.UTF8.GetBytes(e.Body), e.Signature),
                "the signature verifies with the project's secret");
            Assert.False(WebhookSigner.Verify(WebhookSigner.NewSecret(), e.WebhookId, e.Timestamp, Encoding.UTF8.GetBytes(e.Body), e.Signature));
            Assert.InRange(e.Timestamp, before.ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }

        Assert.Equal(project.Id, (string?)processing.Data["projectId"]);
        Assert.Equal("u-70412", (string?)processing.Data["userProfileId"]);
        Assert.Equal("per-3318", (string?)processing.Data["personaProfileId"]);

        Assert.Equal(project.Id, (string?)created.Data["projectId"]);
        var answer = created.Data["answer"]!.AsObject();
        Assert.Matches("^answer_[0-9A-Za-z]{18}$", (string)answer["id"]!);
        Assert.Equal("u-70412", (string?)answer["userProfileId"]);
        Assert.Equal("per-3318", (string?)answer["personaProfileId"]);
        Assert.Equal("TEXT", (string?)answer["type"]);
        Assert.Equal("""{"funnel":"trial","appBuild":"4.12.0","n":3,"vip":true,"none":null}""", answer["tags"]!.ToJsonString());
        Assert.Matches(@"^\d+\.\d{4}$", (string)answer["cost"]!);
        Assert.InRange((int)answer["responseTime"]!, 0, 10);
        Assert.Equal(0, (int)answer["sequenceNumber"]!);
        var createdAt = (string)answer["createdAt"]!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", createdAt);
        Assert.InRange(DateTimeOffset.Parse(createdAt, System.Globalization.CultureInfo.InvariantCulture), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.False(string.IsNullOrWhiteSpace((string?)answer["text"]));
        Assert.True(answer.ContainsKey("pictureUrl") && answer["pictureUrl"] is null);
        Assert.True(answer.ContainsKey("conversationStopReason") && answer["conversationStopReason"] is null);
        Assert.True(answer.ContainsKey("conversationStoppedUntil") && answer["conversationStoppedUntil"] is null);
        Assert.True(answer.ContainsKey("parentAnswerId") && answer["parentAnswerId"] is null);
        Assert.Equal("AI", (string?)answer["replyMode"]);

        // History was fetched with both ids; both profiles once each, with the custom headers' absence not breaking anything.
        Assert.Equal(1, customer.CallCount("/history"));
        Assert.Contains(customer.Calls, c => c.Path == "/history" && c.Query.Contains("userProfileId=u-70412", StringComparison.Ordinal)
                                                                   && c.Query.Contains("personaProfileId=per-3318", StringComparison.Ordinal));
        Assert.Equal(2, customer.CallCount("/profile"));
    }
}

public sealed class EnqueueFlowTestsOnSqlite() : EnqueueFlowTests(StorageProvider.Sqlite);

public sealed class EnqueueFlowTestsOnPostgres() : EnqueueFlowTests(StorageProvider.Postgres);
