using System.Security.Cryptography;

namespace DumGum.Projects;

/// <summary>
/// A project's webhook signing secret (Standard Webhooks): <c>whsec_</c> and 32 random bytes in base64. It belongs to
/// the project; <c>Webhooks/WebhookSigner</c> signs with it.
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
