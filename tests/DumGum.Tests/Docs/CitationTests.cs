using System.Text.RegularExpressions;

namespace DumGum.Tests.Docs;

/// <summary>
/// Code cites the rules it implements as <c>docs/behaviour.md, "Heading"</c>. A maintainer must be able to follow
/// every such citation, so each one names a heading that exists, and nothing cites a document outside the repository.
/// </summary>
public sealed partial class CitationTests
{
    /// <summary>Headings cited by work in progress on another branch that adds the section itself.</summary>
    static readonly HashSet<string> Pending = [];

    [Fact]
    public void Every_cited_heading_exists_in_the_cited_document()
    {
        var root = RepositoryRoot();
        var missing = new List<string>();
        var citations = 0;
        foreach (var (file, text) in SourceFiles(root))
            foreach (Match m in Citation().Matches(text))
            {
                citations++;
                var doc = Path.Combine(root, m.Groups["doc"].Value);
                // A citation may wrap onto the next comment line.
                var heading = Regex.Replace(m.Groups["heading"].Value, @"\s*\n\s*(//+|--)?\s*", " ");
                var exists = File.Exists(doc) && File.ReadLines(doc).Any(l => Heading().Match(l) is { Success: true } h && h.Groups[1].Value.Trim() == heading);
                if (!exists && !Pending.Contains($"{m.Groups["doc"].Value}#{heading}"))
                    missing.Add($"{Path.GetRelativePath(root, file)}: {m.Value}");
            }
        Assert.True(citations > 100, $"only {citations} citations found: is the repository root right ({root})?");
        Assert.Empty(missing);
    }

    [Fact]
    public void Nothing_cites_a_document_outside_the_repository()
    {
        var root = RepositoryRoot();
        var external = SourceFiles(root)
            .SelectMany(f => f.Text.Split('\n').Select((line, i) => (f.File, Line: i + 1, Text: line)))
            .Where(l => External().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(root, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(external);
    }

    static IEnumerable<(string File, string Text)> SourceFiles(string root) =>
        new[] { "src", "tests" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.EndsWith("CitationTests.cs", StringComparison.Ordinal))
            .Select(f => (f, File.ReadAllText(f)));

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DumGum.slnx"))) return dir.FullName;
        throw new InvalidOperationException("DumGum.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?<doc>docs/[A-Za-z0-9-]+\.md), ""(?<heading>[^""]+)""")]
    private static partial Regex Citation();

    [GeneratedRegex("^#+ (.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"§|\.\./shared|decisions\.md|dumgum-api|\bdecisions\b|\bspec [A-Z]?\d", RegexOptions.IgnoreCase)]
    private static partial Regex External();
}
