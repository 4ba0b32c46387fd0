using System.Globalization;
using System.Text;
using DumGum.Customers;
using DumGum.Projects;

namespace DumGum.Webhooks;

/// <summary>
/// The POST of one event attempt, signed with Standard Webhooks v1 (docs/behaviour.md, "Events"): the body as stored,
/// the project's custom headers (the memory webhook's own ones for memory events) and our User-Agent, then
/// <c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c> over exactly those bytes, with every secret
/// valid at <paramref name="now"/> (two during a rotation).
/// </summary>
public static class DeliveryRequest
{
    public static HttpRequestMessage Build(Project project, Delivery delivery, string url, string userAgent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(delivery);
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var timestamp = now.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        // The memory webhook gets its own headers (plus the bearer token), not the three endpoints' custom headers.
        var config = Events.IsMemoryEvent(delivery.Event)
            ? project.Config with { CustomHeaders = project.Config.MemoryWebhookCustomHeaders }
            : project.Config;
        CustomerHeaders.Apply(request, config, userAgent);
        request.Headers.TryAddWithoutValidation("webhook-id", delivery.WebhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature",
            WebhookSigner.SignatureHeader(project.SigningSecrets(now), delivery.WebhookId, timestamp, body));
        return request;
    }
}
