namespace DumGum.Http;

/// <summary>
/// The JSON a model's answer holds, from its first opening bracket to its last closing one: models put prose or a code
/// fence around the JSON they were asked for often enough that every reader of their answers (style cards, picture
/// analyses, memory extraction, suggestions) starts here. Whether the slice is valid JSON is the reader's to find out.
/// </summary>
public static class ModelAnswerJson
{
    /// <summary>From the first <c>{</c> to the last <c>}</c> of <paramref name="answer"/>; null when it has no such pair.</summary>
    public static string? ObjectIn(string? answer) => Slice(answer, '{', '}');

    /// <summary>From the first <c>[</c> to the last <c>]</c> of <paramref name="answer"/>; null when it has no such pair.</summary>
    public static string? ArrayIn(string? answer) => Slice(answer, '[', ']');

    static string? Slice(string? answer, char open, char close)
    {
        if (answer is null) return null;
        var start = answer.IndexOf(open, StringComparison.Ordinal);
        var end = answer.LastIndexOf(close);
        return start < 0 || end <= start ? null : answer[start..(end + 1)];
    }
}
