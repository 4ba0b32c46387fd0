using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;

namespace DumGum.Admin;

/// <summary>A customer endpoint URL: absolute http(s), and not on a private network unless that is allowed (decisions §2).</summary>
public sealed class EndpointUrlRule(bool allowPrivateNetworks) : JsonRule
{
    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        var url = value.GetString()!;
        if (url.Length > 2048) { errors.Add(path, "must be at most 2048 characters long"); return null; }
        if (!OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks, out var problem))
        {
            errors.Add(path, problem ?? "is not an acceptable endpoint URL");
            return null;
        }
        return JsonValue.Create(url);
    }
}

/// <summary>Header name → value; names that would break the request or forge our signature are refused.</summary>
public sealed class CustomHeadersRule : JsonRule
{
    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent",
        "webhook-id", "webhook-timestamp", "webhook-signature", "expect", "upgrade", "te", "trailer",
    };

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        var result = new JsonObject();
        foreach (var p in value.EnumerateObject())
        {
            var at = $"{path}.{p.Name}";
            if (p.Name.Length is 0 or > 128 || !p.Name.All(c => c > 32 && c < 127 && c != ':'))
                errors.Add(at, "must be a valid HTTP header name");
            else if (Reserved.Contains(p.Name)) errors.Add(at, "is set by DumGum and cannot be overridden");
            else if (p.Value.ValueKind != JsonValueKind.String) errors.Add(at, $"must be a string, not {Kind(p.Value)}");
            else if (p.Value.GetString()!.Length > 4096 || p.Value.GetString()!.Any(c => c is '\r' or '\n'))
                errors.Add(at, "must be at most 4096 characters, without line breaks");
            else result[p.Name] = p.Value.GetString();
        }
        if (result.Count > 32) errors.Add(path, "must have at most 32 headers");
        return result;
    }
}

public static class ProjectRules
{
    /// <summary>The body that creates an access key.</summary>
    public static readonly ObjectRule NewKey = new(new Field("name", new StringRule(1, 200), Required: true));

    public static ObjectRule Create(bool allowPrivate, EnqueueSchema schema, bool forUpdate)
    {
        var url = new EndpointUrlRule(allowPrivate);
        return new ObjectRule(
            new Field("name", new StringRule(1, 200), Required: !forUpdate),
            new Field("profileEndpointUrl", url, Required: !forUpdate),
            new Field("chatHistoryEndpointUrl", url, Required: !forUpdate),
            new Field("incomingContentEndpointUrl", url, Required: !forUpdate),
            new Field("customHeaders", new CustomHeadersRule()),
            new Field("defaultReplyParameters", schema.ReplyParameters),
            new Field("rateLimit", new ObjectRule(
                new Field("requestsPerSecond", new NumberRule(0.01, 1_000_000)),
                new Field("burst", new IntegerRule(1, 10_000_000, allowNumericString: false)))),
            new Field("smartShareEnabled", BoolRule.Instance),
            new Field("rotateWebhookSecret", BoolRule.Instance),
            new Field("previousSecretValidHours", new IntegerRule(0, 168, allowNumericString: false)),
            new Field("incomingContentEndpointEnabled", BoolRule.Instance));
    }
}
