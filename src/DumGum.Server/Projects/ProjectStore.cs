using System.Collections.Concurrent;
using System.Text.Json;
using DumGum.Storage;

namespace DumGum.Projects;

/// <summary>A page of projects; <paramref name="NextAfter"/> is the cursor of the next page, null on the last.</summary>
public sealed record ProjectPage(IReadOnlyList<Project> Items, string? NextAfter);

/// <summary>
/// Projects, kept in memory; every change is written through the single writer first. A project created or changed
/// elsewhere (another node, the command line, another process on the SQLite file) is read on first use, and every
/// project is re-read when <see cref="ChangeWatcher"/> sees the projects' change stamp move (and on each resync).
/// </summary>
public sealed class ProjectStore : IFollowsChangeStamps
{
    string IFollowsChangeStamps.ChangeKind => ChangeStamps.Projects;

    void IFollowsChangeStamps.Refresh() => Reload();

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly ConcurrentDictionary<string, Project> projects = new(StringComparer.Ordinal);
    readonly Database database;
    readonly WriteQueue writes;
    readonly TimeProvider clock;

    public ProjectStore(Database database, WriteQueue writes, TimeProvider clock)
    {
        this.database = database;
        this.writes = writes;
        this.clock = clock;
        Reload();
    }

    const string Select = """
        SELECT id, name, config, webhook_secret, previous_webhook_secret, previous_secret_expires_at,
               incoming_disabled_at, created_at, updated_at FROM projects
        """;

    /// <summary>Reads every project again (changes made by other nodes); a newer copy in memory is kept.</summary>
    public void Reload()
    {
        using var connection = database.Open();
        using var command = connection.Sql(Select);
        foreach (var project in Read(command)) Keep(project);
    }

    void Keep(Project project) => projects.AddOrUpdate(project.Id, project, (_, mine) => mine.UpdatedAt > project.UpdatedAt ? mine : project);

    static List<Project> Read(System.Data.Common.DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<Project>();
        while (reader.Read())
            list.Add(new Project(reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<ProjectConfig>(reader.GetString(2), Json)!, reader.GetString(3),
                reader.StringOrNull(4), reader.Int64OrNull(5)?.FromUnixMs(), reader.Int64OrNull(6)?.FromUnixMs(),
                reader.GetInt64(7).FromUnixMs(), reader.GetInt64(8).FromUnixMs()));
        return list;
    }

    public Project? Find(string id)
    {
        if (projects.TryGetValue(id, out var p)) return p;
        // Not in memory: created elsewhere (another node, the command line) since the last reload, or no such project.
        using var connection = database.Open();
        using var command = connection.Sql(Select + " WHERE id = @id").With("@id", id);
        var found = Read(command);
        if (found.Count == 0) return null;
        Keep(found[0]);
        return projects[id];
    }

    public IReadOnlyList<Project> All() => projects.Values.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();

    /// <summary>
    /// One page of projects, oldest first (creation time, then id), at most <paramref name="limit"/> after the project
    /// <paramref name="after"/> (the <see cref="ProjectPage.NextAfter"/> of the previous page: a project id, so a page
    /// link stays readable). Throws <see cref="ArgumentException"/> when <paramref name="after"/> is not a project.
    /// </summary>
    public ProjectPage Page(int limit = 100, string? after = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var all = All();
        var start = 0;
        if (after is not null)
        {
            var cursor = Find(after) ?? throw new ArgumentException($"There is no project {after}.", nameof(after));
            // Past the cursor's place in the order, whether or not it is in this node's list yet.
            start = all.Count(p => p.CreatedAt < cursor.CreatedAt
                                   || (p.CreatedAt == cursor.CreatedAt && string.CompareOrdinal(p.Id, cursor.Id) <= 0));
        }
        var items = all.Skip(start).Take(limit).ToList();
        return new ProjectPage(items, start + items.Count < all.Count ? items[^1].Id : null);
    }

    public async Task<Project> CreateAsync(string name, ProjectConfig config, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var project = new Project(Ids.Project(), name, config, WebhookSecret.New(), null, null, null, now, now);
        await writes.WriteAsync(w => Save(w, project)).WaitAsync(cancellationToken);
        projects[project.Id] = project;
        return project;
    }

    public async Task<Project> UpdateAsync(Project project, CancellationToken cancellationToken = default)
    {
        var updated = project with { UpdatedAt = clock.GetUtcNow() };
        await writes.WriteAsync(w => Save(w, updated)).WaitAsync(cancellationToken);
        projects[updated.Id] = updated;
        return updated;
    }

    /// <summary>A 410 from the Incoming Content endpoint disables it until an operator sets it again.</summary>
    public Task DisableIncomingAsync(string projectId)
    {
        if (Find(projectId) is not { IncomingDisabledAt: null } project) return Task.CompletedTask;
        return UpdateAsync(project with { IncomingDisabledAt = clock.GetUtcNow() });
    }

    static void Save(WriteQueue.Writer w, Project p)
    {
        ChangeStamps.Stamp(w, ChangeStamps.Projects);
        w.Command("""
            INSERT INTO projects(id, name, config, webhook_secret, previous_webhook_secret, previous_secret_expires_at,
                                 incoming_disabled_at, created_at, updated_at)
            VALUES(@id, @name, @config, @secret, @previous, @previousExpires, @disabled, @created, @updated)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, config = excluded.config,
                webhook_secret = excluded.webhook_secret, previous_webhook_secret = excluded.previous_webhook_secret,
                previous_secret_expires_at = excluded.previous_secret_expires_at,
                incoming_disabled_at = excluded.incoming_disabled_at, updated_at = excluded.updated_at
            """)
        .With("@id", p.Id).With("@name", p.Name).With("@config", JsonSerializer.Serialize(p.Config, Json))
        .With("@secret", p.WebhookSecret).With("@previous", p.PreviousWebhookSecret)
        .With("@previousExpires", p.PreviousSecretExpiresAt?.ToUnixMs()).With("@disabled", p.IncomingDisabledAt?.ToUnixMs())
        .With("@created", p.CreatedAt.ToUnixMs()).With("@updated", p.UpdatedAt.ToUnixMs())
        .ExecuteNonQuery();
    }
}
