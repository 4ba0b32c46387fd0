using System.Text;
using System.Text.RegularExpressions;

namespace DumGum.Memory.Extraction;

/// <summary>
/// Turns a rule as a translator writes it into a regular expression over folded text (docs/memory.md, "How to extend a
/// language"): words match case-insensitively and without accents, a space is any run of spaces, <c>(a|b)</c> is one of,
/// <c>[a|b]</c> is optional, <c>*</c> skips up to a few words of the same clause, <c>@name</c> is a macro of the language
/// file and <c>{value}</c> a value (name, place, job…), an apostrophe may be left out ("im", "dont") and a hyphen may be
/// a space ("sexta feira").
/// </summary>
internal static partial class PatternCompiler
{
    /// <summary>Characters a free value or a skipped stretch never crosses: the clause ends there.</summary>
    public const string ClauseStop = ",!?;:()\\n";

    public static string Compile(string pattern, IReadOnlyDictionary<string, string> macros, Func<string, string> value)
    {
        var expanded = MacroRx().Replace(Fold(pattern), m => macros.TryGetValue(m.Groups[1].Value, out var text)
            ? Fold(text)
            : throw new InvalidDataException($"memory rule '{pattern}': unknown macro @{m.Groups[1].Value}"));
        var i = 0;
        var body = Parse(expanded, ref i, '\0', value, pattern);
        return "(?<![A-Za-z0-9])" + body + "(?![A-Za-z0-9])";
    }

    /// <summary>Folds a rule or a word the way messages are folded, in lower case, so translators write accents.</summary>
    public static string Fold(string text) => FoldedText.Of(text).Lower;

    static string Parse(string p, ref int i, char close, Func<string, string> value, string source)
    {
        var sb = new StringBuilder();
        var alternatives = new List<string>();
        // The longest alternative is tried first, so "(piace|piace più)" reads "non mi piace più la pizza" whole.
        string Done() => alternatives.Count == 0 ? sb.ToString()
            : string.Join('|', alternatives.Append(sb.ToString()).OrderByDescending(a => a.Length));
        while (i < p.Length)
        {
            var c = p[i];
            if (c == close) { i++; return Done(); }
            switch (c)
            {
                case '{':
                    var end = p.IndexOf('}', i);
                    if (end < 0) throw new InvalidDataException($"memory rule '{source}': unclosed {{");
                    sb.Append(value(p[(i + 1)..end]));
                    i = end + 1;
                    break;
                case '[':
                    var loose = i == 0 || p[i - 1] is ' ' or '(' or '|';
                    i++;
                    var inner = Parse(p, ref i, ']', value, source);
                    var elided = p[i - 2] == '\'';
                    if (loose && i < p.Length && p[i] == ' ')
                    {
                        // An optional word takes its following space with it, so "have [a] dog" reads "have dog" too; one glued to
                        // the word before ("{d}[st|nd]") leaves the space to the pattern.
                        sb.Append("(?:(?:").Append(inner).Append(')').Append(elided ? @"\s*" : @"\s+").Append(")?");
                        i++;
                    }
                    else sb.Append("(?:").Append(inner).Append(")?");
                    break;
                case '(':
                    i++;
                    sb.Append("(?:").Append(Parse(p, ref i, ')', value, source)).Append(')');
                    break;
                case '|':
                    alternatives.Add(sb.ToString());
                    sb.Clear();
                    i++;
                    break;
                case '*':
                    sb.Append(@"(?:[^" + ClauseStop + @"]{1,40}?\s+)?");
                    i++;
                    if (i < p.Length && p[i] == ' ') i++;
                    break;
                case ' ':
                    var afterApostrophe = i > 0 && p[i - 1] == '\'';
                    while (i < p.Length && p[i] == ' ') i++;
                    sb.Append(afterApostrophe ? @"\s*" : @"\s+");
                    break;
                case '\'':
                    sb.Append("'?");
                    i++;
                    break;
                case '-':
                    sb.Append(@"[-\s]?");
                    i++;
                    break;
                case ',':
                    sb.Append(@"\s*,");
                    i++;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    i++;
                    break;
            }
        }
        if (close != '\0') throw new InvalidDataException($"memory rule '{source}': missing '{close}'");
        return Done();
    }

    [GeneratedRegex("@([a-z]+)")]
    private static partial Regex MacroRx();
}
