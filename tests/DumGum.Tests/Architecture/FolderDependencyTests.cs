using System.Text.RegularExpressions;

namespace DumGum.Tests.Architecture;

/// <summary>
/// The folders of src/DumGum.Server depend on each other without cycles (apart from the known edges below, each
/// waiting for a refactor; there are none today). A folder depends on another when one of its files has a <c>using DumGum.Other…</c> line
/// (or <c>@using</c> in Razor), or names a type as <c>DumGum.Other.Type</c> or <c>Other.Type</c> in code. A new
/// edge that closes a cycle fails this test; so does a known edge that is gone, so that the list only shrinks.
/// </summary>
public sealed partial class FolderDependencyTests
{
    /// <summary>Edges that close a cycle today, none (run the test to see the whole graph in its failure message).</summary>
    static readonly (string From, string To)[] KnownCycleEdges = [];

    [GeneratedRegex(@"^\s*@?using\s+(?:static\s+)?(?:\w+\s*=\s*)?DumGum\.(\w+)")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(DumGum\.)?(\w+)\.(\w+)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DumGum.slnx"))) return Path.Combine(dir.FullName, "src", "DumGum.Server");
        throw new InvalidOperationException("DumGum.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Folder → the folders it depends on.</summary>
    static Dictionary<string, SortedSet<string>> Graph()
    {
        var root = SourceRoot();
        string[] notCode = ["bin", "obj", "wwwroot", "Properties"];
        var files = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(d => !notCode.Contains(d))
            .ToDictionary(d => d, d => Directory.GetFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal)).ToList());
        var types = files.ToDictionary(f => f.Key, f => f.Value
            .SelectMany(path => TypeDeclaration().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value)).ToHashSet());
        var graph = files.Keys.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var (folder, paths) in files)
            foreach (var line in paths.SelectMany(File.ReadLines))
            {
                if (UsingLine().Match(line) is { Success: true } u)
                {
                    if (files.ContainsKey(u.Groups[1].Value)) graph[folder].Add(u.Groups[1].Value);
                    continue;
                }
                var code = line.TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith("namespace ", StringComparison.Ordinal)) continue;
                foreach (Match m in QualifiedName().Matches(code))
                {
                    var other = m.Groups[2].Value;
                    // Other.Type only counts when Type is declared there: "Admin.UpdateAsync" is a member, not a folder.
                    if (files.ContainsKey(other) && (m.Groups[1].Success || types[other].Contains(m.Groups[3].Value)))
                        graph[folder].Add(other);
                }
            }
        foreach (var (folder, dependencies) in graph) dependencies.Remove(folder);
        return graph;
    }

    /// <summary>One cycle in <paramref name="graph"/> as a path (first folder repeated at the end), or null.</summary>
    static List<string>? FindCycle(Dictionary<string, SortedSet<string>> graph)
    {
        var state = new Dictionary<string, int>();     // 1 on the current path, 2 done
        var path = new List<string>();
        List<string>? Visit(string folder)
        {
            state[folder] = 1;
            path.Add(folder);
            foreach (var next in graph[folder])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path.SkipWhile(f => f != next), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[folder] = 2;
            return null;
        }
        foreach (var folder in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(folder) == 0 && Visit(folder) is { } cycle) return cycle;
        return null;
    }

    static string Describe(Dictionary<string, SortedSet<string>> graph) =>
        string.Join("\n", graph.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"  {g.Key} -> {string.Join(", ", g.Value)}"));

    [Fact]
    public void No_folder_cycle_remains_beyond_the_known_edges()
    {
        var graph = Graph();
        Assert.True(graph.Count > 10 && graph["Conversations"].Contains("Storage"), "the scan found the folders and their using lines\n" + Describe(graph));
        var gone = KnownCycleEdges.Where(e => !graph[e.From].Contains(e.To)).ToList();
        Assert.True(gone.Count == 0, $"These known edges are gone; remove them from {nameof(KnownCycleEdges)}: {string.Join(", ", gone)}");

        var rest = graph.ToDictionary(g => g.Key, g => new SortedSet<string>(g.Value.Where(to => !KnownCycleEdges.Contains((g.Key, to))), StringComparer.Ordinal));
        var cycle = FindCycle(rest);
        Assert.True(cycle is null, $"A folder cycle: {string.Join(" -> ", cycle ?? [])}\nAll folder dependencies:\n{Describe(graph)}");
    }
}
