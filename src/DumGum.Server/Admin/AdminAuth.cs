using System.Security.Cryptography;
using System.Text;
using DumGum.Http;
using DumGum.Storage;

namespace DumGum.Admin;

/// <summary>
/// The operator's bearer token. From <c>Admin:Token</c> when set; otherwise one is generated at the first start,
/// printed once, and only its SHA-256 is kept (in the settings table). Compared in constant time.
/// </summary>
public sealed class AdminAuth
{
    readonly byte[] tokenHash;
    string? generatedToken;

    AdminAuth(byte[] tokenHash, string? generatedToken = null)
    {
        this.tokenHash = tokenHash;
        this.generatedToken = generatedToken;
        Fingerprint = Convert.ToHexString(SHA256.HashData(tokenHash))[..16];
    }

    /// <summary>Names the current token without revealing it: a dashboard session carries it, and ends when the token changes.</summary>
    public string Fingerprint { get; }

    public static AdminAuth Create(string? configuredToken, Database database)
    {
        if (!string.IsNullOrEmpty(configuredToken)) return new AdminAuth(Hash(configuredToken));
        using var connection = database.Open();
        var stored = connection.Sql("SELECT value FROM settings WHERE key = 'admin_token_sha256'").ExecuteScalar() as string;
        if (stored is not null) return new AdminAuth(Convert.FromHexString(stored));
        var token = "dgadm_" + RandomNumberGenerator.GetString(Ids.Base62, 40);
        var inserted = connection.Sql("INSERT INTO settings(key, value) VALUES('admin_token_sha256', @v) ON CONFLICT(key) DO NOTHING")
            .With("@v", Convert.ToHexString(Hash(token))).ExecuteNonQuery();
        // Another node starting at the same moment stored its token first: that one is the token.
        if (inserted == 0) return Create(null, database);
        return new AdminAuth(Hash(token), token);
    }

    /// <summary>The token generated at this start, if any, for printing once; afterwards it is forgotten.</summary>
    public string? TakeGeneratedToken() => Interlocked.Exchange(ref generatedToken, null);

    public bool Verify(string token) => CryptographicOperations.FixedTimeEquals(Hash(token.Trim()), tokenHash);

    public Problem? Check(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Problem.Unauthorized("Send the admin token as 'Authorization: Bearer <token>'.");
        return Verify(header["Bearer ".Length..]) ? null : Problem.Unauthorized("The admin token is not valid.");
    }

    static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
