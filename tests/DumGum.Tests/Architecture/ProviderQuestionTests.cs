using System.Text.RegularExpressions;

namespace DumGum.Tests.Architecture;

/// <summary>
/// Only <c>Storage/</c> knows which database it is: every SQL difference is asked of <c>SqlDialect</c>, and "are there
/// other nodes" is <c>Database.Topology</c>, a setting of its own. Code elsewhere that asks for the provider (or
/// speaks one provider's SQL or driver directly) fails this test, with the lines that do.
/// </summary>
public sealed partial class ProviderQuestionTests
{
    [GeneratedRegex(@"\bIsPostgres\b|\bIsSqlite\b|\bStorageProvider\b|\bSqlDialect\.(Sqlite|Postgres)\b|Dialect\.Name\s*[=!]=|[=!]=\s*[\w.]*Dialect\.Name\b|\bNpgsql|Microsoft\.Data\.Sqlite|\bPostgresDataSource\b|\bSqlitePath\b|\bpg_\w+\(|\bunnest\(|SKIP LOCKED|""(Postgres|PostgreSQL|Sqlite)""", RegexOptions.IgnoreCase)]
    private static partial Regex ProviderQuestion();

    static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DumGum.slnx"))) return Path.Combine(dir.FullName, "src", "DumGum.Server");
        throw new InvalidOperationException("DumGum.slnx not found above " + AppContext.BaseDirectory);
    }

    static IEnumerable<string> Offences(string root, Func<string, bool> include) =>
        Directory.GetFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Select(f => (Path: Path.GetRelativePath(root, f).Replace('\\', '/'), File: f))
            .Where(f => include(f.Path))
            .SelectMany(f => File.ReadLines(f.File).Select((line, i) => (f.Path, Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && !l.Text.StartsWith("///", StringComparison.Ordinal))
            .Where(l => ProviderQuestion().IsMatch(l.Text))
            .Select(l => $"{l.Path}:{l.Line}: {l.Text}");

    static bool Outside(string path, params string[] folders) =>
        !path.StartsWith("bin/", StringComparison.Ordinal) && !path.StartsWith("obj/", StringComparison.Ordinal)
        && !folders.Any(f => path.StartsWith(f + "/", StringComparison.Ordinal));

    [Fact]
    public void No_code_outside_Storage_asks_which_database_it_is()
    {
        var offences = Offences(SourceRoot(), path => Outside(path, "Storage")).ToList();
        Assert.True(offences.Count == 0,
            "Ask Database.Dialect (SqlDialect) for the SQL, or Database.Topology whether other nodes share the database:\n"
            + string.Join('\n', offences));
    }

    [Fact]
    public void The_scan_finds_a_question_where_there_is_one()
    {
        // Storage itself does ask: if the pattern found nothing there, it would find nothing anywhere.
        Assert.NotEmpty(Offences(SourceRoot(), path => path.StartsWith("Storage/", StringComparison.Ordinal)));
    }
}
