using System.Text.RegularExpressions;

namespace DumGum.Memory.Extraction;

/// <summary>A date found in a sentence, resolved against the writer's today; a range has an end.</summary>
internal sealed record DateMention(int Start, int End, DateOnly Date, DateOnly? EndDate, bool HasYear);

/// <summary>
/// Finds dates in one language (the <c>dates</c> section of its rule file) and resolves them from <c>today</c>
/// (docs/memory.md, "Offline extraction"): "tomorrow" is today + 1; a weekday is its next occurrence after today (said on
/// a Friday, "Friday" is a week later); "the 18th" is the next 18th from today, so it may fall in the next month; a day
/// and month without a year is their next occurrence; "from the 28th to the 3rd" ends in the month after it starts.
/// </summary>
internal sealed class DateReader
{
    enum Kind { Relative, InDays, Weekend, Weekday, Form }

    sealed record Raw(int Start, int End, Kind Kind, int Number, int? Day, int? Month, int? Year);

    readonly List<(Regex Rx, Kind Kind, int Offset)> rules = [];
    readonly Dictionary<string, int> months = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> weekdays = new(StringComparer.Ordinal);
    readonly HashSet<string> joiners = new(StringComparer.Ordinal);
    readonly Regex? bareStart;

    public DateReader(DateWords words, IReadOnlyDictionary<string, string> macros)
    {
        for (var i = 0; i < words.Months.Length; i++)
            foreach (var form in words.Months[i]) months[Normal(form)] = i + 1;
        for (var i = 0; i < words.Weekdays.Length; i++)
            foreach (var form in words.Weekdays[i]) weekdays[Normal(form)] = i;
        var monthRx = Alternation(words.Months.SelectMany(m => m));
        var weekdayRx = Alternation(words.Weekdays.SelectMany(w => w));
        string Value(string name) => name switch
        {
            "d" => @"(?<d>[0-3]?\d)",
            "m" => @"(?<m>[01]?\d)",
            "y" => @"(?<y>(?:19|20)\d\d)",
            "n" => @"(?<n>\d{1,2})",
            "month" => $"(?<month>{monthRx})",
            "weekday" => $"(?<weekday>{weekdayRx})",
            _ => throw new InvalidDataException($"memory dates: unknown value {{{name}}}"),
        };
        Regex Make(string pattern) => new(PatternCompiler.Compile(pattern, macros, Value), LanguageRules.Options);
        foreach (var (phrase, offset) in words.Relative) rules.Add((Make(phrase), Kind.Relative, offset));
        foreach (var p in words.InDays) rules.Add((Make(p), Kind.InDays, 0));
        foreach (var p in words.Weekend) rules.Add((Make(p), Kind.Weekend, 0));
        if (words.Weekdays.Length > 0) rules.Add((Make("{weekday}"), Kind.Weekday, 0));
        foreach (var p in words.Forms) rules.Add((Make(p), Kind.Form, 0));
        foreach (var j in words.RangeJoiners) joiners.Add(Normal(j));
        var named = words.RangeJoiners.Where(j => Normal(j).Length > 0).Select(j => PatternCompiler.Compile(j, macros, Value)).ToList();
        // "van 18 tot 21 december": a bare day right before a joiner and a full date starts the range.
        if (named.Count > 0)
            bareStart = new Regex(@"(?<![\d.])(?<d>[0-3]?\d)\.?\s*(?:" + string.Join('|', named) + @")\s*$", LanguageRules.Options);
    }

    static string Alternation(IEnumerable<string> forms) =>
        string.Join('|', forms.Select(PatternCompiler.Fold).Distinct().OrderByDescending(f => f.Length).Select(f => Regex.Escape(f).Replace("\\ ", @"\s+", StringComparison.Ordinal).Replace("-", @"[-\s]?", StringComparison.Ordinal)));

    /// <summary>Lower-case folded words joined by one space: how forms and matched text are compared.</summary>
    public static string Normal(string text) => string.Join(' ', FoldedText.Of(text).Words.Select(w => w.Text));

    /// <summary>The dates in folded text [start, end), in order; two joined by a range word are one mention.</summary>
    public List<DateMention> Find(FoldedText text, int start, int end, DateOnly today)
    {
        var raws = new List<Raw>();
        foreach (var (rx, kind, offset) in rules)
            for (var m = rx.Match(text.Text, start, end - start); m.Success; m = m.NextMatch())
            {
                var raw = Read(m, kind, offset);
                if (raw is not null) raws.Add(raw);
            }
        // Longest first, so "the 18th of May" wins over "the 18th".
        var chosen = new List<Raw>();
        foreach (var r in raws.OrderByDescending(r => r.End - r.Start).ThenBy(r => r.Start))
            if (!chosen.Any(c => c.Start < r.End && r.Start < c.End)) chosen.Add(r);
        chosen.Sort((a, b) => a.Start.CompareTo(b.Start));

        var result = new List<DateMention>();
        var previousEnd = start;
        for (var i = 0; i < chosen.Count; i++)
        {
            var a = chosen[i];
            if (i + 1 < chosen.Count && joiners.Contains(Normal(text.Text[a.End..chosen[i + 1].Start])))
            {
                var b = chosen[i + 1];
                var range = ResolveRange(a, b, today);
                if (range is not null) result.Add(new DateMention(a.Start, b.End, range.Value.From, range.Value.To, a.Year is not null));
                i++;
                previousEnd = b.End;
                continue;
            }
            if (a.Kind == Kind.Form && a.Month is not null && bareStart?.Match(text.Text, previousEnd, a.Start - previousEnd) is { Success: true } bare)
            {
                var from = new Raw(bare.Index, bare.Index + bare.Length, Kind.Form, 0, int.Parse(bare.Groups["d"].Value, System.Globalization.CultureInfo.InvariantCulture), null, null);
                var range = ResolveRange(from, a, today);
                if (range is not null) result.Add(new DateMention(from.Start, a.End, range.Value.From, range.Value.To, false));
            }
            else if (Resolve(a, today) is { } single)
                result.Add(new DateMention(a.Start, a.End, single.From, single.To, a.Year is not null));
            previousEnd = a.End;
        }
        return result;
    }

    Raw? Read(Match m, Kind kind, int offset)
    {
        int? Int(string group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        return kind switch
        {
            Kind.Relative => new Raw(m.Index, m.Index + m.Length, kind, offset, null, null, null),
            Kind.InDays => new Raw(m.Index, m.Index + m.Length, kind, Int("n") ?? 0, null, null, null),
            Kind.Weekend => new Raw(m.Index, m.Index + m.Length, kind, 0, null, null, null),
            Kind.Weekday => weekdays.TryGetValue(Normal(m.Groups["weekday"].Value), out var w) ? new Raw(m.Index, m.Index + m.Length, kind, w, null, null, null) : null,
            _ => Form(new Raw(m.Index, m.Index + m.Length, kind, 0, Int("d"),
                m.Groups["month"].Success ? months.GetValueOrDefault(Normal(m.Groups["month"].Value)) : Int("m"), Int("y"))),
        };
    }

    static Raw? Form(Raw r) => r.Day is >= 1 and <= 31 && r.Month is null or (>= 1 and <= 12) ? r : null;

    static (DateOnly From, DateOnly? To)? Resolve(Raw r, DateOnly today)
    {
        switch (r.Kind)
        {
            case Kind.Relative: return (today.AddDays(r.Number), null);
            case Kind.InDays: return (today.AddDays(r.Number), null);
            case Kind.Weekend:
                var saturday = today.AddDays(((int)DayOfWeek.Saturday - (int)today.DayOfWeek + 7) % 7);
                return (saturday, saturday.AddDays(1));
            case Kind.Weekday:
                var target = (r.Number + 1) % 7; // Monday first in the data, Sunday = 0 in DayOfWeek
                var days = (target - (int)today.DayOfWeek + 7) % 7;
                return (today.AddDays(days == 0 ? 7 : days), null);
            default:
                return Day(r, today) is { } d ? (d, null) : null;
        }
    }

    /// <summary>A day-and-month date: with its year, or the next one on or after <paramref name="from"/>.</summary>
    static DateOnly? Day(Raw r, DateOnly from)
    {
        var day = r.Day!.Value;
        if (r.Month is { } month)
        {
            if (r.Year is { } year) return Valid(year, month, day);
            for (var y = from.Year; y <= from.Year + 4; y++)
                if (Valid(y, month, day) is { } d && d >= from) return d;
            return null;
        }
        var first = new DateOnly(from.Year, from.Month, 1);
        for (var k = 0; k < 12; k++)
            if (Valid(first.AddMonths(k).Year, first.AddMonths(k).Month, day) is { } d && d >= from) return d;
        return null;
    }

    static (DateOnly From, DateOnly? To)? ResolveRange(Raw a, Raw b, DateOnly today)
    {
        if (a.Kind == Kind.Form && b.Kind == Kind.Form && a.Month is null && b.Month is not null)
        {
            // "from the 18th to the 21st of March": the start takes the end's month, one earlier if its day is later.
            if (Day(b, today) is not { } to) return null;
            var start = Valid(to.Year, to.Month, a.Day!.Value);
            if (start is null || start > to) start = Valid(to.AddMonths(-1).Year, to.AddMonths(-1).Month, a.Day!.Value);
            return start is null ? null : (start.Value, to);
        }
        if (Resolve(a, today) is not { } from) return null;
        DateOnly? end = b.Kind == Kind.Form ? Day(b, from.From) : Resolve(b, today)?.From;
        return end is null || end < from.From ? null : (from.From, end);
    }

    static DateOnly? Valid(int year, int month, int day) =>
        month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) ? new DateOnly(year, month, day) : null;
}
