using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Http.Validation;

namespace DumGum.Admin;

/// <summary>
/// A customer endpoint URL that can work (docs/behaviour.md, "Projects and customer endpoints"): absolute http(s)
/// without user info, fragment, whitespace or control characters, and not on a private network unless that is allowed.
/// An internationalised host name is stored as punycode, the form DNS and the TLS certificate check use.
/// </summary>
public sealed class EndpointUrlRule(bool allowPrivateNetworks) : JsonRule
{
    public const int MaxLength = 2048;

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        if (!TryNormalize(value.GetString()!, allowPrivateNetworks, out var url, out var problem))
        {
            errors.Add(path, problem!);
            return null;
        }
        return JsonValue.Create(url);
    }

    /// <summary>The URL as it is stored (IDN host in punycode, otherwise unchanged), or false with the rule it breaks.</summary>
    public static bool TryNormalize(string url, bool allowPrivateNetworks, out string normalized, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(url);
        normalized = url;
        problem = Problem(url, allowPrivateNetworks);
        if (problem is not null) return false;
        var uri = new Uri(url, UriKind.Absolute);
        if (!System.Text.Ascii.IsValid(uri.Host))
            normalized = $"{uri.Scheme}://{uri.IdnHost}{(uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture))}{uri.PathAndQuery}";
        return true;
    }

    static string? Problem(string url, bool allowPrivateNetworks)
    {
        if (url.Length > MaxLength) return $"must be at most {MaxLength} characters long";
        // Uri would quietly trim or escape these; a URL pasted with a stray space or line break is a mistake to show.
        if (url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return "must not contain whitespace or control characters (percent-encode them)";
        if (url.Contains('#', StringComparison.Ordinal)) return "must not have a #fragment (it is never sent to the server)";
        if (!OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks, out var problem))
            return problem ?? "is not an acceptable endpoint URL";
        // "https://@host" has an empty user info, which Uri reports as none; any '@' before the path is user info.
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = authority.IndexOfAny(['/', '?']);
        if ((end < 0 ? authority : authority[..end]).Contains('@', StringComparison.Ordinal))
            return "The URL must not contain a user name or password; send credentials in headers instead.";
        return null;
    }
}

/// <summary>
/// Custom headers, name → value, that can be sent as they are (docs/behaviour.md, "Projects and customer endpoints"):
/// names are RFC 9110 tokens, values visible ASCII with inner spaces or tabs, and names that belong to the transport or
/// that DumGum sets itself are refused.
/// </summary>
public sealed class CustomHeadersRule : JsonRule
{
    public const int MaxHeaders = 32, MaxNameLength = 128, MaxValueLength = 4096;

    /// <summary>Connection-level and framing headers: the HTTP client owns them, and a forged one breaks or smuggles requests.</summary>
    static readonly HashSet<string> Transport = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "te", "upgrade", "host", "content-length", "transfer-encoding", "trailer", "expect",
    };

    /// <summary>Set by DumGum on every call: an override would break the request or forge our signature.</summary>
    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature",
    };

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.Object) { errors.Add(path, $"must be an object, not {Kind(value)}"); return null; }
        var result = new JsonObject();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in value.EnumerateObject())
        {
            var at = $"{path}.{p.Name}";
            if (p.Value.ValueKind != JsonValueKind.String) { errors.Add(at, $"must be a string, not {Kind(p.Value)}"); continue; }
            if (Problem(p.Name, p.Value.GetString()!) is { } problem) { errors.Add(at, problem); continue; }
            if (!seen.Add(p.Name)) { errors.Add(at, "is given twice (header names are case-insensitive)"); continue; }
            result[p.Name] = p.Value.GetString();
        }
        if (seen.Count > MaxHeaders) errors.Add(path, $"must have at most {MaxHeaders} headers");
        return result;
    }

    /// <summary>The rule a header breaks, or null when it can be sent.</summary>
    public static string? Problem(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length is 0 or > MaxNameLength || !name.All(IsTokenChar))
            return $"must be a header name of 1 to {MaxNameLength} letters, digits or !#$%&'*+-.^_`|~ (an RFC 9110 token)";
        if (Transport.Contains(name) || name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase))
            return "is a hop-by-hop or transport header, which the HTTP client sets; it cannot be a custom header";
        if (Reserved.Contains(name)) return "is set by DumGum and cannot be overridden";
        if (value.Length > MaxValueLength) return $"must be at most {MaxValueLength} characters long";
        if (!value.All(c => c is >= '!' and <= '~' or ' ' or '\t'))
            return "must be visible ASCII characters, with spaces or tabs only between them (no line breaks, NUL or non-ASCII)";
        if (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t'))
            return "must not start or end with a space or tab";
        return null;
    }

    static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

/// <summary>
/// The token DumGum sends as <c>Authorization: Bearer …</c>: visible ASCII without spaces, so it fits the header as it
/// is; an empty string removes it.
/// </summary>
public sealed class BearerTokenRule : JsonRule
{
    public const int MaxLength = 4096;

    public override JsonNode? Check(JsonElement value, string path, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String) { errors.Add(path, $"must be a string, not {Kind(value)}"); return null; }
        var token = value.GetString()!;
        if (token.Length > MaxLength) { errors.Add(path, $"must be at most {MaxLength} characters long"); return null; }
        if (!token.All(c => c is >= '!' and <= '~'))
        {
            errors.Add(path, "must be visible ASCII characters without spaces (or empty, to remove the token)");
            return null;
        }
        return JsonValue.Create(token);
    }
}

/// <summary>An optional endpoint URL: the empty string removes it, anything else follows <see cref="EndpointUrlRule"/>.</summary>
public sealed class OptionalEndpointUrlRule(bool allowPrivateNetworks) : JsonRule
{
    readonly EndpointUrlRule url = new(allowPrivateNetworks);

    public override JsonNode? Check(JsonElement value, string path, Errors errors) =>
        value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0 ? JsonValue.Create("") : url.Check(value, path, errors);
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
            new Field("endpointBearerToken", new BearerTokenRule()),
            new Field("defaultReplyParameters", schema.ReplyParameters),
            new Field("rateLimit", new ObjectRule(
                new Field("requestsPerSecond", new NumberRule(0.01, 1_000_000)),
                new Field("burst", new IntegerRule(1, 10_000_000, allowNumericString: false)))),
            new Field("smartShareEnabled", BoolRule.Instance),
            new Field("aiDisclosurePolicy", new EnumRule(Projects.AiDisclosurePolicy.All)),
            new Field("memoryEnabled", BoolRule.Instance),
            new Field("memoryWebhookUrl", new OptionalEndpointUrlRule(allowPrivate)),
            new Field("memoryWebhookCustomHeaders", new CustomHeadersRule()),
            new Field("memoryWebhookMode", new EnumRule(Projects.MemoryWebhookModes.All)),
            new Field("rotateWebhookSecret", BoolRule.Instance),
            new Field("previousSecretValidHours", new IntegerRule(0, 168, allowNumericString: false)),
            new Field("incomingContentEndpointEnabled", BoolRule.Instance));
    }
}
