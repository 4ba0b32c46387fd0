using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Snowball;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace DumGum.Replies.Offline;

/// <summary>
/// Turns text into the stems the intent patterns are written in, with Lucene.Net: the Unicode word tokenizer (UAX #29),
/// lower case, elision (French and Italian <c>j'</c>, <c>l'</c>…), the language's Snowball stemmer, then accents folded
/// away, because chat users often leave them out ("que" for "qué"). Patterns go through the same analyzer when the
/// language file is loaded, so a translator writes plain words. Lucene reuses one token stream per thread.
/// </summary>
internal sealed partial class TextAnalyzer : IDisposable
{
    const LuceneVersion Version = LuceneVersion.LUCENE_48;
    readonly Analyzer analyzer;
    readonly bool stripApostrophes;

    public TextAnalyzer(string stemmer, IReadOnlyCollection<string> elisions, bool stripApostrophes)
    {
        this.stripApostrophes = stripApostrophes;
        var elided = elisions.Count > 0 ? new CharArraySet(Version, elisions.ToList(), true) : null;
        analyzer = Analyzer.NewAnonymous((_, reader) =>
        {
            var tokenizer = new StandardTokenizer(Version, reader);
            TokenStream stream = new LowerCaseFilter(Version, tokenizer);
            if (elided is not null) stream = new ElisionFilter(stream, elided);
            stream = new SnowballFilter(stream, stemmer);
            stream = new ASCIIFoldingFilter(stream);
            return new TokenStreamComponents(tokenizer, stream);
        });
    }

    /// <summary>The stems of <paramref name="text"/>, in order.</summary>
    public List<string> Stems(string text) => Read(text, null);

    /// <summary>
    /// The stems of <paramref name="text"/>, and for each whether a clause ends before it (a comma, full stop, question or
    /// exclamation mark, semicolon, colon, dash or line break between it and the previous word): negation stops there.
    /// </summary>
    public List<string> Stems(string text, List<bool> clauseStarts) => Read(text, clauseStarts);

    List<string> Read(string text, List<bool>? clauseStarts)
    {
        var list = new List<string>(16);
        // Chat stretches words ("heyyy", "sooo"): three or more of a letter read as two, as a translator would write it.
        text = Stretched().Replace(text, "$1$1");
        if (stripApostrophes && (text.Contains('\'', StringComparison.Ordinal) || text.Contains('’', StringComparison.Ordinal)))
            text = text.Replace("'", "", StringComparison.Ordinal).Replace("’", "", StringComparison.Ordinal);
        using var stream = analyzer.GetTokenStream("text", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        var offsets = stream.AddAttribute<IOffsetAttribute>();
        stream.Reset();
        var previousEnd = 0;
        while (stream.IncrementToken())
        {
            list.Add(term.ToString());
            if (clauseStarts is not null)
            {
                var start = Math.Min(offsets.StartOffset, text.Length);
                clauseStarts.Add(list.Count == 1 || text.AsSpan(Math.Min(previousEnd, start), start - Math.Min(previousEnd, start))
                    .IndexOfAny(ClauseMarks) >= 0);
                previousEnd = offsets.EndOffset;
            }
        }
        stream.End();
        return list;
    }

    static readonly System.Buffers.SearchValues<char> ClauseMarks = System.Buffers.SearchValues.Create(",.!?;:¿¡—–-\n…");

    [System.Text.RegularExpressions.GeneratedRegex(@"(\p{L})\1{2,}")]
    private static partial System.Text.RegularExpressions.Regex Stretched();

    public void Dispose() => analyzer.Dispose();
}
