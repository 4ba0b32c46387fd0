using System.Security.Cryptography;
using System.Text;

namespace DumGum.AccessKeys;

/// <summary>
/// Access keys look like <c>sk-proj-</c> + 40 random base62 characters + a 6-character base62 CRC32 of those 40.
/// The fixed prefix and the checksum follow GitHub's token format so that secret scanners can recognise a leaked key
/// (and reject near-misses) without calling us, and so that typos are caught before a database lookup.
/// Only the SHA-256 of a key is stored; <see cref="Hint"/> gives a listing-safe reminder of which key is which.
/// </summary>
public static class AccessKeyFormat
{
    public const string Prefix = "sk-proj-";
    public const int RandomLength = 40;
    public const int ChecksumLength = 6;
    public const int Length = 54; // Prefix.Length (8) + RandomLength + ChecksumLength

    const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // 62 * 4 = 248: bytes at or above this are rejected so every character is equally likely (no modulo bias).
    const int RejectionLimit = 248;

    // CRC32 (IEEE 802.3, reflected, polynomial 0xEDB88320). System.IO.Hashing is a NuGet package, not part of the
    // shared framework, and a 256-entry table is all it takes for 40 bytes.
    static readonly uint[] CrcTable = BuildCrcTable();

    public static string NewKey()
    {
        Span<char> random = stackalloc char[RandomLength];
        Span<byte> buffer = stackalloc byte[64];
        var filled = 0;
        while (filled < RandomLength)
        {
            RandomNumberGenerator.Fill(buffer);
            foreach (var b in buffer)
            {
                if (b >= RejectionLimit) continue;
                random[filled++] = Alphabet[b % 62];
                if (filled == RandomLength) break;
            }
        }

        Span<char> checksum = stackalloc char[ChecksumLength];
        EncodeChecksum(Crc32(random), checksum);
        return string.Concat(Prefix, random, checksum);
    }

    /// <summary>Prefix, length, alphabet and checksum all right. Says nothing about whether the key exists.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> key)
    {
        if (key.Length != Length || !key.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var body = key[Prefix.Length..];
        foreach (var c in body)
            if (!IsBase62(c)) return false;

        var random = body[..RandomLength];
        Span<char> expected = stackalloc char[ChecksumLength];
        EncodeChecksum(Crc32(random), expected);
        return body[RandomLength..].SequenceEqual(expected);
    }

    /// <summary>SHA-256 of the UTF-8 key: what is stored and looked up, so a database leak reveals no usable key.</summary>
    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>"sk-proj-…" + the last 4 characters: enough to tell keys apart in a listing, useless to an attacker.</summary>
    public static string Hint(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var tail = key.Length >= 4 ? key[^4..] : key;
        return Prefix + "…" + tail;
    }

    static bool IsBase62(char c) => char.IsAsciiLetterOrDigit(c);

    static void EncodeChecksum(uint value, Span<char> destination)
    {
        // Right-to-left base62 digits; the left is padded with '0' (62^6 > 2^32, so 6 digits always suffice).
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }

    // Internal so tests can pin the polynomial against the standard check value ("123456789" → 0xCBF43926).
    // The input is base62, i.e. ASCII, so each char is its own UTF-8 byte.
    internal static uint Crc32(ReadOnlySpan<char> ascii)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var c in ascii)
            crc = CrcTable[(crc ^ (byte)c) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
