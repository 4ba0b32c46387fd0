using BenchmarkDotNet.Attributes;
using DumGum.Memory;
using DumGum.Memory.Extraction;

namespace PromptBench;

/// <summary>
/// The offline memory extractor's cost per message (issue 10, docs/memory.md "Offline extraction"): folding the text,
/// finding dates, and every rule of the message's language. Each call reads another message of a mixed set, two per
/// language: one with facts, one without (small talk or a question), so both paths are paid.
/// <list type="bullet">
/// <item><c>ShortMessage</c>: one chat line.</item>
/// <item><c>LongMessage</c>: a 60-word introduction full of facts (name, age, move, job, pet, likes, languages, exam).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class MemoryExtractionBenchmarks
{
    static readonly (string Language, string Text)[] Lines =
    [
        ("en", "I'm 28 years old and I live in Madrid."), ("en", "haha that's funny, what are you doing tonight?"),
        ("de", "Morgen habe ich ein Vorstellungsgespräch."), ("de", "Magst du eigentlich Katzen?"),
        ("fr", "J'ai un chien qui s'appelle Rex."), ("fr", "Tu es vraiment drôle."),
        ("es", "Me encanta el sushi y hablo español e inglés."), ("es", "¿Dónde vives?"),
        ("it", "Volo a Lisbona dal 18 al 21."), ("it", "ahah che bello"),
        ("pt", "Sou enfermeira e moro em Lisboa."), ("pt", "E tu, o que fazes?"),
        ("nl", "Mijn examen is op vrijdag."), ("nl", "Hou jij van katten?"),
    ];

    const string Long = "Hi! My name is Anna, I'm 28 years old and I moved to Valencia last year for work. I'm a nurse, mostly " +
                        "night shifts, and I have a dog named Max who hates the rain. I love sushi and hiking, I speak English and " +
                        "Spanish, and my exam is on Friday, so wish me luck!";

    static readonly DateOnly Today = new(2026, 12, 7);
    readonly OfflineMemoryExtractor extractor = OfflineMemoryExtractor.Instance;
    int turn;

    [GlobalSetup]
    public void Setup()
    {
        foreach (var (language, text) in Lines) extractor.Extract(text, language, MemoryTargets.User, Today); // compile every language
    }

    [Benchmark(Baseline = true)]
    public int ShortMessage()
    {
        var (language, text) = Lines[turn++ % Lines.Length];
        return extractor.Extract(text, language, MemoryTargets.User, Today).Count;
    }

    [Benchmark]
    public int LongMessage() => extractor.Extract(Long, "en", MemoryTargets.User, Today).Count;
}
