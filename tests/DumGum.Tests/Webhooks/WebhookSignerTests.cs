using System.Text;
using DumGum.Webhooks;

namespace DumGum.Tests.Webhooks;

/// <summary>Our signatures against the test vector published with the Standard Webhooks specification.</summary>
public sealed class WebhookSignerTests
{
    const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const long Timestamp = 1614265330;
    const string Payload = """{"test": 2432232314}""";
    const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signing_the_published_vector_gives_the_published_signature() =>
        Assert.Equal(Expected, WebhookSigner.Sign(Secret, MessageId, Timestamp, Encoding.UTF8.GetBytes(Payload)));

    [Fact]
    public void The_published_signature_verifies_alone_and_beside_another_secrets()
    {
        var body = Encoding.UTF8.GetBytes(Payload);
        Assert.True(WebhookSigner.Verify(Secret, MessageId, Timestamp, body, Expected));
        Assert.True(WebhookSigner.Verify(Secret, MessageId, Timestamp, body, "v1,c29tZXRoaW5nIGVsc2U= " + Expected));
    }

    [Theory]
    [InlineData(MessageId + "x", Timestamp, Payload)]
    [InlineData(MessageId, Timestamp + 1, Payload)]
    [InlineData(MessageId, Timestamp, """{"test": 2432232315}""")]
    public void Changing_the_id_the_timestamp_or_one_byte_of_the_body_fails_verification(string id, long timestamp, string payload) =>
        Assert.False(WebhookSigner.Verify(Secret, id, timestamp, Encoding.UTF8.GetBytes(payload), Expected));
}
