using System.Globalization;
using Microsoft.Extensions.Options;

namespace DumGum;

/// <summary>
/// The rules of one options class, checked at start (<c>ValidateOnStart</c>): a bad setting fails the start with a
/// message that names its configuration key, the rule and the value given, instead of misbehaving at the first use.
/// </summary>
public sealed class OptionsRules<T>(string section) : IValidateOptions<T> where T : class
{
    readonly List<(string Key, Func<T, bool> Ok, string Rule, Func<T, object?> Value)> rules = [];

    /// <summary>Adds a rule for <c>{section}:{key}</c>; <paramref name="rule"/> completes "… must …".</summary>
    public OptionsRules<T> Require(string key, Func<T, object?> value, Func<T, bool> ok, string rule)
    {
        rules.Add((key, ok, rule, value));
        return this;
    }

    /// <summary>A time span within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public OptionsRules<T> Between(string key, Func<T, TimeSpan> value, TimeSpan min, TimeSpan max) =>
        Require(key, o => value(o), o => value(o) >= min && value(o) <= max, $"be between {min:c} and {max:c}");

    /// <summary>A whole number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public OptionsRules<T> Between(string key, Func<T, int> value, int min, int max) =>
        Require(key, o => value(o), o => value(o) >= min && value(o) <= max, $"be between {min} and {max}");

    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = rules.Where(r => !r.Ok(options))
            .Select(r => $"{section}:{r.Key} must {r.Rule} (got '{Show(r.Value(options))}')")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    static string Show(object? value) => value switch
    {
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };
}

public static class OptionsRulesExtensions
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and checks <paramref name="rules"/> when the host starts.</summary>
    public static IServiceCollection AddCheckedOptions<T>(this IServiceCollection services, string section, Func<OptionsRules<T>, OptionsRules<T>>? rules = null)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        if (rules is not null) services.AddSingleton<IValidateOptions<T>>(rules(new OptionsRules<T>(section)));
        return services;
    }
}
