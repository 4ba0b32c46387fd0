using System.Globalization;
using System.Text.Json;
using DumGum.Memory;
using DumGum.Memory.Extraction;

namespace DumGum.Tests.Memory.Extraction;

/// <summary>
/// The labelled fixture of the offline memory extractor (Fixtures/{code}.json) and how it is scored
/// (docs/memory.md, "Offline extraction"). A found memory matches an expected one when the uniqueIdentifier, the target
/// (its prefix) and the category are equal; for an EVENT also eventStartDate and eventEndDate (a one-day event ends on
/// the day it starts); for a DATE_OF_BIRTH the description holds the expected date (yyyy-MM-dd or MM-dd).
/// Every expected memory matched is a true positive, every other found memory a false positive, every expected one
/// not found a false negative.
/// </summary>
public static class ExtractionFixture
{
    public static readonly string[] Languages = ["en", "de", "fr", "es", "it", "pt", "nl"];

    public sealed record Expected(string Category, string Key, string? Date, string? End);

    public sealed record Item(string Part, string Text, string Target, IReadOnlyList<Expected> Expected);

    public sealed record Fixture(string Language, DateOnly Today, IReadOnlyList<Item> Items);

    public static Fixture Load(string language)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Memory", "Extraction", "Fixtures", language + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        var items = new List<Item>();
        foreach (var part in new[] { "tuning", "heldOut", "blind", "persona" })
            foreach (var row in root.TryGetProperty(part, out var rows) ? rows.EnumerateArray() : default)
            {
                var cells = row.EnumerateArray().Select(c => c.GetString()!).ToList();
                var expected = cells.Skip(1).Select(c => c.Split(' ')).Select(p => new Expected(p[0], p[1], p.Length > 2 ? p[2] : null, p.Length > 3 ? p[3] : null)).ToList();
                items.Add(new Item(part, cells[0], part == "persona" ? MemoryTargets.Persona : MemoryTargets.User, expected));
            }
        return new Fixture(root.GetProperty("language").GetString()!, DateOnly.Parse(root.GetProperty("today").GetString()!, CultureInfo.InvariantCulture), items);
    }

    public static bool Matches(Expected e, MemoryCandidate f) =>
        f.UniqueIdentifier == e.Key && f.Category == e.Category
        && (e.Category != MemoryCategories.Event
            || (f.EventStartDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == e.Date
                && f.EventEndDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == (e.End ?? e.Date)))
        && (e.Category != MemoryCategories.DateOfBirth || e.Date is null || f.Description.Contains(e.Date, StringComparison.Ordinal));

    public sealed class Score
    {
        public int TruePositives { get; set; }
        public int FalsePositives { get; set; }
        public int FalseNegatives { get; set; }
        public int Messages { get; set; }
        public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
        public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

        public void Add(Score other)
        {
            TruePositives += other.TruePositives;
            FalsePositives += other.FalsePositives;
            FalseNegatives += other.FalseNegatives;
            Messages += other.Messages;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Messages} messages, P {Precision:0.000} R {Recall:0.000} (TP {TruePositives}, FP {FalsePositives}, FN {FalseNegatives})");
    }

    /// <summary>Scores the items, and lists each mistake.</summary>
    public static Score Run(IMemoryExtractor extractor, Fixture fixture, IEnumerable<Item> items, List<string> mistakes)
    {
        var score = new Score();
        foreach (var item in items)
        {
            score.Messages++;
            var found = extractor.Extract(item.Text, fixture.Language, item.Target, fixture.Today).ToList();
            var left = found.ToList();
            foreach (var e in item.Expected)
            {
                var hit = left.FirstOrDefault(f => Matches(e, f));
                if (hit is null)
                {
                    score.FalseNegatives++;
                    mistakes.Add($"{fixture.Language} {item.Part} MISSED {e.Category} {e.Key} {e.Date} {e.End} <- {item.Text}");
                }
                else
                {
                    score.TruePositives++;
                    left.Remove(hit);
                }
            }
            foreach (var f in left)
            {
                score.FalsePositives++;
                mistakes.Add($"{fixture.Language} {item.Part} EXTRA {f.Category} {f.UniqueIdentifier} {f.EventStartDate} {f.EventEndDate} \"{f.Description}\" <- {item.Text}");
            }
        }
        return score;
    }
}
