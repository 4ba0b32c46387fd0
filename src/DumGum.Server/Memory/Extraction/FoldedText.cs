using System.Text;
using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Miscellaneous;

namespace DumGum.Memory.Extraction;

/// <summary>
/// A message with its accents folded away by Lucene's ASCII folding ("München" → "Munchen", "ß" → "ss"), curly
/// apostrophes made straight, and a map back to the original characters. Rules match the folded text, because chat users
/// often leave accents out; values are cut from the original so "Málaga" and "Zürich" keep their spelling.
/// </summary>
internal sealed partial class FoldedText
{
    readonly int[] map;

    public string Original { get; }
    /// <summary>The folded text, same case as the original.</summary>
    public string Text { get; }
    /// <summary>The folded text in lower case (same length as <see cref="Text"/>).</summary>
    public string Lower { get; }
    /// <summary>The words of the folded text (letters and digits; an apostrophe separates words: "n'aime" is "n", "aime").</summary>
    public IReadOnlyList<Word> Words { get; }

    FoldedText(string original, string text, int[] map)
    {
        Original = original;
        Text = text;
        Lower = text.ToLowerInvariant();
        this.map = map;
        var words = new List<Word>();
        foreach (Match m in WordRx().Matches(Lower)) words.Add(new Word(m.Value, m.Index, m.Index + m.Length));
        Words = words;
    }

    public static FoldedText Of(string original)
    {
        var text = new StringBuilder(original.Length + 8);
        var map = new List<int>(original.Length + 9);
        var input = new char[1];
        var output = new char[8];
        for (var i = 0; i < original.Length; i++)
        {
            var c = original[i];
            if (c is '\u2019' or '\u2018' or '\u02BC' or '`' or '\u00B4') c = '\'';
            if (c < 128)
            {
                text.Append(c);
                map.Add(i);
                continue;
            }
            input[0] = c;
            var n = ASCIIFoldingFilter.FoldToASCII(input, 0, output, 0, 1);
            for (var k = 0; k < n; k++)
            {
                text.Append(output[k]);
                map.Add(i);
            }
        }
        map.Add(original.Length);
        return new FoldedText(original, text.ToString(), map.ToArray());
    }

    /// <summary>The original text behind folded positions [start, end).</summary>
    public string Slice(int start, int end) => Original[map[start]..map[end]];

    /// <summary>Words whose start lies in [start, end).</summary>
    public IEnumerable<Word> WordsIn(int start, int end) => Words.Where(w => w.Start >= start && w.Start < end);

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex WordRx();
}

/// <summary>A lower-case folded word and its place in the folded text.</summary>
internal readonly record struct Word(string Text, int Start, int End);
