using System.Collections.Concurrent;
using System.Text.Json;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Projects;

/// <summary>
/// Projects, kept in memory; every change is written through the single writer first. With several nodes a project
/// created or changed on another node is read on first use and every node re-reads them all on each resync
/// (<see cref="Reload"/>), so a change reaches every node within seconds.
/// </summary>
public sealed class ProjectStore
{
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
        if (!database.IsPostgres) return null;   // one node: memory has every project
        using var connection = database.Open();
        using var command = connection.Sql(Select + " WHERE id = @id").With("@id", id);
        var found = Read(command);
        if (found.Count == 0) return null;
        Keep(found[0]);
        return projects[id];
    }

    public IReadOnlyList<Project> All() => projects.Values.OrderBy(p => p.CreatedAt).ToList();

    public async Task<Project> CreateAsync(string name, ProjectConfig config, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var project = new Project(Ids.Project(), name, config, WebhookSigner.NewSecret(), null, null, null, now, now);
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

    static void Save(WriteQueue.Writer w, Project p) => w.Command("""
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
