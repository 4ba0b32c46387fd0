using System.Security.Cryptography;
using System.Text;
using DumGum.Projects;

namespace DumGum.Webhooks;

/// <summary>
/// Standard Webhooks v1: <c>webhook-signature: v1,base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}"))</c>.
/// The secret is <c>whsec_</c> + base64 of the key bytes. During a rotation both secrets sign (space-separated).
/// </summary>
public static class WebhookSigner
{
    /// <summary>A new secret, as a project is given one (<see cref="WebhookSecret"/>).</summary>
    public static string NewSecret() => WebhookSecret.New();

    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = KeyBytes(secret);
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, payload));
    }

    public static string SignatureHeader(IEnumerable<string> secrets, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var parts = new List<string>();
        foreach (var s in secrets) parts.Add(Sign(s, id, timestamp, body));
        return string.Join(' ', parts);
    }

    /// <summary>True when any <c>v1,</c> signature in the header matches; compared in constant time.</summary>
    public static bool Verify(string secret, string id, long timestamp, ReadOnlySpan<byte> body, string? signatureHeader)
    {
        if (string.IsNullOrEmpty(signatureHeader)) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate))) return true;
        return false;
    }

    static byte[] KeyBytes(string secret) =>
        Convert.FromBase64String(secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal) ? secret[WebhookSecret.Prefix.Length..] : secret);
}
