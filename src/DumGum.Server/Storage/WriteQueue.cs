using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace DumGum.Storage;

/// <summary>
/// The single writer. Concurrent callers queue work; one thread takes everything waiting, runs it in one transaction
/// (each item inside its own savepoint, so one failing item fails alone) and commits once: one fsync serves the whole
/// batch. A caller's task completes only after the commit that holds its work, so "completed" means "durable".
/// </summary>
public sealed class WriteQueue : IDisposable
{
    const int MaxBatch = 2048;

    readonly Channel<IWork> channel = Channel.CreateUnbounded<IWork>(new UnboundedChannelOptions { SingleReader = true });
    readonly SqliteConnection connection;
    readonly Thread thread;
    readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);
    readonly ILogger<WriteQueue> log;

    public WriteQueue(Database database, ILogger<WriteQueue> log)
    {
        this.log = log;
        connection = database.Open();
        thread = new Thread(Run) { IsBackground = true, Name = "dumgum-writer" };
        thread.Start();
    }

    public event Action<int, TimeSpan>? BatchCommitted;

    public Task<T> WriteAsync<T>(Func<Writer, T> work)
    {
        var item = new Work<T>(work);
        if (!channel.Writer.TryWrite(item)) throw new StorageUnavailableException("the writer has stopped");
        return item.Completion.Task;
    }

    public Task WriteAsync(Action<Writer> work) => WriteAsync<bool>(w => { work(w); return true; });

    void Run()
    {
        var batch = new List<IWork>(MaxBatch);
        var writer = new Writer(this);
        while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && channel.Reader.TryRead(out var item)) batch.Add(item);
            var started = Stopwatch.GetTimestamp();
            try
            {
                writer.Command("BEGIN IMMEDIATE").ExecuteNonQuery();
                for (var i = 0; i < batch.Count; i++)
                {
                    writer.Command("SAVEPOINT item").ExecuteNonQuery();
                    batch[i].Execute(writer);
                    if (batch[i].Failed) writer.Command("ROLLBACK TO item").ExecuteNonQuery();
                    writer.Command("RELEASE item").ExecuteNonQuery();
                }
                writer.Command("COMMIT").ExecuteNonQuery();
                foreach (var item in batch) item.Complete();
                BatchCommitted?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Write batch of {Count} failed to commit", batch.Count);
                try { Database.Execute(connection, "ROLLBACK"); } catch (SqliteException) { }
                var error = new StorageUnavailableException("the database did not commit the write", ex);
                foreach (var item in batch) item.Fail(error);
            }
        }
    }

    public void Dispose()
    {
        channel.Writer.TryComplete();
        thread.Join(TimeSpan.FromSeconds(10));
        foreach (var c in commands.Values) c.Dispose();
        connection.Dispose();
    }

    /// <summary>What a work item sees: the writer's connection, with statements prepared once and reused.</summary>
    public sealed class Writer(WriteQueue queue)
    {
        public SqliteConnection Connection => queue.connection;

        public SqliteCommand Command(string sql)
        {
            if (!queue.commands.TryGetValue(sql, out var command))
            {
                command = queue.connection.CreateCommand();
                command.CommandText = sql;
                queue.commands[sql] = command;
            }
            command.Parameters.Clear();
            return command;
        }
    }

    interface IWork
    {
        bool Failed { get; }
        void Execute(Writer writer);
        void Complete();
        void Fail(Exception error);
    }

    sealed class Work<T>(Func<Writer, T> work) : IWork
    {
        T result = default!;
        Exception? error;
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Failed => error is not null;

        public void Execute(Writer writer)
        {
            try { result = work(writer); }
            catch (Exception ex) { error = ex; }
        }

        public void Complete()
        {
            if (error is null) Completion.TrySetResult(result);
            else Completion.TrySetException(error);
        }

        public void Fail(Exception e) => Completion.TrySetException(e);
    }
}

public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
