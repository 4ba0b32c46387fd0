using DumGum.AccessKeys;

namespace DumGum.Tests.AccessKeys;

public sealed class AccessKeyFormatTests
{
    const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    [Fact]
    public void New_keys_are_well_formed_and_unique()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            var key = AccessKeyFormat.NewKey();
            Assert.Equal(54, key.Length);
            Assert.StartsWith("sk-proj-", key, StringComparison.Ordinal);
            Assert.True(AccessKeyFormat.IsWellFormed(key), key);
            Assert.True(keys.Add(key));
        }
    }

    [Fact]
    public void Random_part_uses_the_whole_alphabet()
    {
        // With no modulo bias every one of the 62 characters shows up among 40,000 draws.
        var seen = new HashSet<char>();
        for (var i = 0; i < 1000; i++)
            foreach (var c in AccessKeyFormat.NewKey().AsSpan(8, 40)) seen.Add(c);
        Assert.Equal(62, seen.Count);
    }

    [Fact]
    public void Crc32_is_the_IEEE_polynomial()
    {
        Assert.Equal(0xCBF43926u, AccessKeyFormat.Crc32("123456789"));
        Assert.Equal(0u, AccessKeyFormat.Crc32(""));
    }

    [Fact]
    public void Checksum_is_base62_of_crc32_left_padded()
    {
        var key = AccessKeyFormat.NewKey();
        var crc = (ulong)AccessKeyFormat.Crc32(key.AsSpan(8, 40));
        var expected = new char[6];
        for (var i = 5; i >= 0; i--) { expected[i] = Base62[(int)(crc % 62)]; crc /= 62; }
        Assert.Equal(new string(expected), key[48..]);
    }

    [Fact]
    public void Any_single_changed_character_fails_the_checksum()
    {
        var key = AccessKeyFormat.NewKey();
        for (var i = 8; i < key.Length; i++)
        {
            var changed = WithCharAt(key, i, key[i] == 'a' ? 'b' : 'a');
            Assert.False(AccessKeyFormat.IsWellFormed(changed), $"position {i}");
        }
    }

    [Fact]
    public void Known_key_is_well_formed()
    {
        // Pins the format against an independent computation (Python zlib.crc32): 40 zeros have
        // CRC32 0x963FBB8E, base62 "2kaqcA".
        var random = new string('0', 40);
        Assert.Equal(0x963FBB8Eu, AccessKeyFormat.Crc32(random));
        Assert.True(AccessKeyFormat.IsWellFormed("sk-proj-" + random + "2kaqcA"));
        Assert.False(AccessKeyFormat.IsWellFormed("sk-proj-" + random + "2kaqcB"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sk-proj-")]
    [InlineData("sk-live-")]
    [InlineData("SK-PROJ-")]
    [InlineData("sk_proj-")]
    public void Wrong_prefix_fails(string prefix)
    {
        var key = AccessKeyFormat.NewKey();
        var candidate = prefix + key[8..];
        Assert.Equal(prefix == "sk-proj-", AccessKeyFormat.IsWellFormed(candidate));
    }

    [Fact]
    public void Wrong_length_or_characters_fail()
    {
        var key = AccessKeyFormat.NewKey();
        Assert.False(AccessKeyFormat.IsWellFormed(key.AsSpan(0, key.Length - 1)));
        Assert.False(AccessKeyFormat.IsWellFormed(key + "0"));
        Assert.False(AccessKeyFormat.IsWellFormed(""));
        Assert.False(AccessKeyFormat.IsWellFormed(WithCharAt(key, 0, ' ')));
        Assert.False(AccessKeyFormat.IsWellFormed(WithCharAt(key, 20, '-')));
        Assert.False(AccessKeyFormat.IsWellFormed(WithCharAt(key, 20, 'é')));
        Assert.False(AccessKeyFormat.IsWellFormed(WithCharAt(key, 20, '٣'))); // a non-ASCII digit
        Assert.False(AccessKeyFormat.IsWellFormed(WithCharAt(key, 50, '_')));
        Assert.False(AccessKeyFormat.IsWellFormed(key.ToUpperInvariant()));
    }

    static string WithCharAt(string s, int index, char c)
    {
        var chars = s.ToCharArray();
        chars[index] = c;
        return new string(chars);
    }

    [Fact]
    public void Hash_is_stable_sha256()
    {
        var key = AccessKeyFormat.NewKey();
        var hash = AccessKeyFormat.Hash(key);
        Assert.Equal(32, hash.Length);
        Assert.Equal(hash, AccessKeyFormat.Hash(key));
        Assert.NotEqual(hash, AccessKeyFormat.Hash(AccessKeyFormat.NewKey()));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(AccessKeyFormat.Hash("abc")));
    }

    [Fact]
    public void Hint_shows_prefix_and_last_four_only()
    {
        var key = AccessKeyFormat.NewKey();
        var hint = AccessKeyFormat.Hint(key);
        Assert.Equal("sk-proj-…" + key[^4..], hint);
        Assert.DoesNotContain(key[8..20], hint, StringComparison.Ordinal);
    }
}
