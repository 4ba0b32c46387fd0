using System.Globalization;

namespace LoadGen;

/// <summary>"--name value" options; every option read must exist in the usage, unknown ones are an error.</summary>
sealed class Args
{
    readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    readonly HashSet<string> used = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null) values[name] = "true";
                name = a[2..];
            }
            else if (name is not null)
            {
                values[name] = a;
                name = null;
            }
            else throw new ArgumentException($"unexpected argument '{a}'");
        }
        if (name is not null) values[name] = "true";
    }

    public string? Get(string name)
    {
        used.Add(name);
        return values.TryGetValue(name, out var v) ? v : null;
    }

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public string Str(string name, string fallback) => Get(name) ?? fallback;

    public int Int(string name, int fallback) =>
        Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => Get(name) is "true" or "1" or "yes";

    public void EnsureAllUsed()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}
