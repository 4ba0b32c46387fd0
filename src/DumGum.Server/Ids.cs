using System.Security.Cryptography;

namespace DumGum;

/// <summary>Prefixed random identifiers in base62 (<c>proj_…</c>, <c>answer_…</c>, <c>key_…</c>, <c>evt_…</c>).</summary>
public static class Ids
{
    public const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix, int length) => prefix + RandomNumberGenerator.GetString(Base62, length);

    public static string Project() => New("proj_", 21);
    public static string Answer() => New("answer_", 18);
    public static string AccessKey() => New("key_", 16);
    public static string Event() => New("evt_", 22);
}
