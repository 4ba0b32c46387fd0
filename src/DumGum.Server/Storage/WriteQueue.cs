using System.Diagnostics;
using System.Threading.Channels;
using System.Data.Common;

namespace DumGum.Storage;

/// <summary>
/// The single writer of this node. Concurrent callers queue work; one thread takes everything waiting, runs it in one
/// transaction and commits once: one fsync serves the whole batch. A caller's task completes only after the commit
/// that holds its work, so "completed" means "durable". A batch first runs plainly, with no savepoints; one failing
/// item still fails alone, because a batch where an item failed is rolled back and run again:
/// <list type="bullet">
/// <item>SQLite: once more with each item in its own savepoint (in-process), so the others commit together.</item>
/// <item>PostgreSQL: every item in a transaction of its own (a savepoint would be a network round trip per item).</item>
/// </list>
/// Work items are pure database work, safe to repeat. (Savepoints on every SQLite item cost the writer two statements
/// per item and a copy of each page the batch had already changed; items rarely fail.)
/// Items may leave notices for other nodes (<see cref="Writer.Notice"/>); <see cref="BeforeCommit"/> sends those of a batch inside its transaction.
/// </summary>
public sealed class WriteQueue : IDisposable
{
    const int MaxBatch = 2048;

    /// <summary>While accepts wait, a batch takes at most this many other items (run work), so accepts never queue behind runs.</summary>
    const int MaxOtherWhileAccepting = 128;

    readonly Channel<IWork> channel = Channel.CreateUnbounded<IWork>(new UnboundedChannelOptions { SingleReader = true });
    /// <summary>Accepts (enqueues): taken first into every batch (docs/behaviour.md, "Overload").</summary>
    readonly Channel<IWork> accepts = Channel.CreateUnbounded<IWork>(new UnboundedChannelOptions { SingleReader = true });
    int queuedAccepts;
    DbConnection connection;
    DbTransaction? transaction;
    readonly Thread thread;
    readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);
    readonly ILogger<WriteQueue> log;
    readonly bool savepoints;

    public WriteQueue(Database database, ILogger<WriteQueue> log)
    {
        this.log = log;
        Database = database;
        savepoints = database.Dialect.Savepoints;
        connection = OpenConnection();
        thread = new Thread(Run) { IsBackground = true, Name = "dumgum-writer" };
        thread.Start();
    }

    public Database Database { get; }

    /// <summary>This node's name, stamped on the outbox rows it will deliver.</summary>
    public string NodeId { get; init; } = "local";

    public event Action<int, TimeSpan>? BatchCommitted;

    /// <summary>
    /// How many accepts may wait for the writer; past it <see cref="AcceptAsync{TItem, TResult}"/> refuses at once
    /// (<see cref="WriterBusyException"/>, a 503 with Retry-After) instead of letting the wait grow without bound.
    /// </summary>
    public int MaxQueuedAccepts { get; init; } = int.MaxValue;

    /// <summary>Accepts waiting for the writer now.</summary>
    public int QueuedAccepts => Volatile.Read(ref queuedAccepts);

    /// <summary>
    /// Like <see cref="WriteAsync{TItem, TResult}"/> for the work of accepting a request: it goes ahead of all other
    /// queued work, and is refused (<see cref="WriterBusyException"/>) when <see cref="MaxQueuedAccepts"/> are waiting.
    /// </summary>
    public Task<TResult> AcceptAsync<TItem, TResult>(BatchWrite<TItem, TResult> kind, TItem item)
    {
        if (Interlocked.Increment(ref queuedAccepts) > MaxQueuedAccepts)
        {
            Interlocked.Decrement(ref queuedAccepts);
            throw new WriterBusyException();
        }
        var work = new BatchedWork<TItem, TResult>(kind, item);
        if (!accepts.Writer.TryWrite(work))
        {
            Interlocked.Decrement(ref queuedAccepts);
            throw new StorageUnavailableException("the writer has stopped");
        }
        return work.Completion.Task;
    }

    /// <summary>
    /// Called on the writer thread inside each transaction, just before COMMIT, when items left notices
    /// (<see cref="Writer.Notice"/>): PostgreSQL sends them as one NOTIFY that commits with the batch.
    /// </summary>
    public Action<Writer, IReadOnlyList<string>>? BeforeCommit { get; set; }


    public Task<T> WriteAsync<T>(Func<Writer, T> work)
    {
        var item = new Work<T>(work);
        if (!channel.Writer.TryWrite(item)) throw new StorageUnavailableException("the writer has stopped");
        return item.Completion.Task;
    }

    public Task WriteAsync(Action<Writer> work) => WriteAsync<bool>(w => { work(w); return true; });

    /// <summary>
    /// Queues one item of a kind that is written many at a time: the items of <paramref name="kind"/> that share a batch
    /// go to the database together (one multi-row statement instead of one statement each). If that fails, each item
    /// is tried alone, so again only a bad item fails.
    /// </summary>
    public Task<TResult> WriteAsync<TItem, TResult>(BatchWrite<TItem, TResult> kind, TItem item)
    {
        var work = new BatchedWork<TItem, TResult>(kind, item);
        if (!channel.Writer.TryWrite(work)) throw new StorageUnavailableException("the writer has stopped");
        return work.Completion.Task;
    }

    /// <summary>Puts the items of each batched kind together (in arrival order), the other work as it came.</summary>
    static List<IWork> Grouped(List<IWork> batch)
    {
        if (!batch.Any(w => w.Kind is not null)) return batch;
        var grouped = new List<IWork>(batch.Count);
        var groups = new Dictionary<object, Group>();
        foreach (var work in batch)
        {
            if (work.Kind is null) { grouped.Add(work); continue; }
            if (!groups.TryGetValue(work.Kind, out var group))
            {
                groups[work.Kind] = group = new Group();
                grouped.Add(group);
            }
            group.Members.Add(work);
        }
        return grouped;
    }

    void Run()
    {
        var batch = new List<IWork>(MaxBatch);
        var writer = new Writer(this);
        while (WaitForWork())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && accepts.Reader.TryRead(out var accept))
            {
                batch.Add(accept);
                Interlocked.Decrement(ref queuedAccepts);
            }
            var others = batch.Count == 0 ? MaxBatch : Math.Min(MaxBatch - batch.Count, MaxOtherWhileAccepting);
            for (var taken = 0; taken < others && channel.Reader.TryRead(out var item); taken++) batch.Add(item);
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (!RunBatch(writer, Grouped(batch), isolate: false))
                {
                    // An item failed: the transaction is void. Again, so that only the bad item fails.
                    Rollback();
                    foreach (var item in batch) item.Reset();
                    if (savepoints) RunBatch(writer, Grouped(batch), isolate: true);
                    else
                        foreach (var item in batch)
                            if (!RunBatch(writer, [item], isolate: false)) { Rollback(); item.Complete(); }
                }
                BatchCommitted?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Write batch of {Count} failed to commit", batch.Count);
                Rollback();
                Reconnect();
                var error = new StorageUnavailableException("the database did not commit the write", ex);
                foreach (var item in batch) item.Fail(error);
            }
        }
    }

    /// <summary>Blocks until either queue has work; false once both are closed and empty.</summary>
    bool WaitForWork()
    {
        while (true)
        {
            if (accepts.Reader.TryPeek(out _) || channel.Reader.TryPeek(out _)) return true;
            var a = accepts.Reader.WaitToReadAsync().AsTask();
            var o = channel.Reader.WaitToReadAsync().AsTask();
            Task.WaitAny(a, o);
            if (a.IsCompleted && !a.Result && o.IsCompleted && !o.Result) return false;
            if (a.IsCompleted && !a.Result) return o.GetAwaiter().GetResult() || accepts.Reader.TryPeek(out _);
            if (o.IsCompleted && !o.Result) return a.GetAwaiter().GetResult() || channel.Reader.TryPeek(out _);
        }
    }

    /// <summary>
    /// Runs and commits the items; false (nothing committed) when one failed and <paramref name="isolate"/> is off.
    /// With it (SQLite only), each item runs in a savepoint and a failed one is undone alone.
    /// </summary>
    bool RunBatch(Writer writer, List<IWork> batch, bool isolate)
    {
        writer.Notices.Clear();
        // SQLite: plain SQL (the savepoints need it). PostgreSQL: the driver's transaction, so it knows the state.
        if (savepoints) writer.Command("BEGIN IMMEDIATE").ExecuteNonQuery();
        else transaction = connection.BeginTransaction();
        foreach (var work in batch)
        {
            if (!isolate)
            {
                work.Execute(writer);
                if (work.Failed) return false;
                continue;
            }
            if (RunInSavepoint(writer, work) || work is not Group group) continue;
            // A group that failed as a whole: its members one by one, each in a savepoint of its own.
            foreach (var member in group.Members)
            {
                member.Reset();
                RunInSavepoint(writer, member);
            }
        }
        if (writer.Notices.Count > 0) BeforeCommit?.Invoke(writer, writer.Notices);
        if (transaction is null) writer.Command("COMMIT").ExecuteNonQuery();
        else
        {
            transaction.Commit();
            transaction.Dispose();
            transaction = null;
        }
        foreach (var item in batch) item.Complete();
        return true;
    }

    /// <summary>SQLite: runs one work item in a savepoint, undoing its writes and notices if it failed. True when it succeeded.</summary>
    static bool RunInSavepoint(Writer writer, IWork work)
    {
        writer.Command("SAVEPOINT item").ExecuteNonQuery();
        var noticesBefore = writer.Notices.Count;
        work.Execute(writer);
        if (work.Failed)
        {
            writer.Command("ROLLBACK TO item").ExecuteNonQuery();
            writer.Notices.RemoveRange(noticesBefore, writer.Notices.Count - noticesBefore);
        }
        writer.Command("RELEASE item").ExecuteNonQuery();
        return !work.Failed;
    }

    /// <summary>
    /// The writer's connection. SQLite: in a savepoint, every page an item changes that the batch had already changed is
    /// first copied to the statement journal, a temporary file past 64 KiB. When every item ran in a savepoint, a batch
    /// of a hundred items wrote megabytes of those copies through the kernel per commit (about 30 times the data stored,
    /// BENCHMARKS.md, "Where the writer's time goes"); batches now run without savepoints unless an item failed, and
    /// the copies such a batch still makes stay in memory.
    /// </summary>
    DbConnection OpenConnection()
    {
        var opened = Database.Open();
        if (savepoints) Database.Execute(opened, "PRAGMA temp_store=MEMORY;");
        return opened;
    }

    /// <summary>After a failed commit the connection may be gone (PostgreSQL restarted or failed over): start on a fresh one.</summary>
    void Reconnect()
    {
        if (connection.State == System.Data.ConnectionState.Open) return;
        foreach (var c in commands.Values) c.Dispose();
        commands.Clear();
        connection.Dispose();
        try { connection = OpenConnection(); }
        catch (DbException ex) { log.LogError(ex, "The writer could not reconnect to {Database}; retrying with the next batch", Database.Describe); }
    }

    void Rollback()
    {
        try
        {
            if (transaction is null) Database.Execute(connection, "ROLLBACK");
            else transaction.Rollback();
        }
        catch (DbException) { }
        catch (InvalidOperationException) { }
        transaction?.Dispose();
        transaction = null;
    }

    public void Dispose()
    {
        channel.Writer.TryComplete();
        accepts.Writer.TryComplete();
        thread.Join(TimeSpan.FromSeconds(10));
        foreach (var c in commands.Values) c.Dispose();
        connection.Dispose();
    }

    /// <summary>What a work item sees: the writer's connection, with statements prepared once and reused.</summary>
    public sealed class Writer(WriteQueue queue)
    {
        public DbConnection Connection => queue.connection;

        public Database Database => queue.Database;

        public string NodeId => queue.NodeId;

        internal List<string> Notices { get; } = [];

        /// <summary>Leaves a notice for other nodes, sent only if this item's work commits.</summary>
        public void Notice(string notice) => Notices.Add(notice);

        public DbCommand Command(string sql)
        {
            // PostgreSQL: a fresh command each time (Npgsql keeps the prepared statement per connection, by SQL text);
            // a reused NpgsqlCommand that once failed went on sending its old parameter values.
            if (!queue.savepoints) return queue.connection.Sql(sql);
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
        /// <summary>The batched kind this item belongs to (null: plain work).</summary>
        object? Kind => null;
        bool Failed { get; }
        void Reset();
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
        public void Reset() => error = null;

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

    /// <summary>Items of one batched kind in one batch: written by a single call of the kind.</summary>
    sealed class Group : IWork
    {
        public List<IWork> Members { get; } = [];
        public bool Failed => Members.Any(m => m.Failed);
        public void Reset() { foreach (var m in Members) m.Reset(); }
        public void Execute(Writer writer) => ((IGroupRunner)Members[0]).RunGroup(writer, Members);
        public void Complete() { foreach (var m in Members) m.Complete(); }
        public void Fail(Exception error) { foreach (var m in Members) m.Fail(error); }
    }

    interface IGroupRunner
    {
        void RunGroup(Writer writer, List<IWork> members);
    }

    sealed class BatchedWork<TItem, TResult>(BatchWrite<TItem, TResult> kind, TItem item) : IWork, IGroupRunner
    {
        TResult result = default!;
        Exception? error;
        public TItem Item { get; } = item;
        public object? Kind => kind;
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Failed => error is not null;
        public void Reset() => error = null;
        public void Execute(Writer writer) => RunGroup(writer, [this]);

        public void RunGroup(Writer writer, List<IWork> members)
        {
            var works = members.Cast<BatchedWork<TItem, TResult>>().ToList();
            try
            {
                var results = kind.Execute(writer, works.Select(w => w.Item).ToList());
                for (var i = 0; i < works.Count; i++) works[i].result = results[i];
            }
            catch (Exception ex)
            {
                foreach (var w in works) w.error = ex;
            }
        }

        public void Complete()
        {
            if (error is null) Completion.TrySetResult(result);
            else Completion.TrySetException(error);
        }

        public void Fail(Exception e) => Completion.TrySetException(e);
    }
}

/// <summary>Work written many items at a time (see <see cref="WriteQueue.WriteAsync{TItem, TResult}"/>).</summary>
public abstract class BatchWrite<TItem, TResult>
{
    /// <summary>Writes the items, returning one result per item in the same order. Throwing fails them all (then each is retried alone).</summary>
    public abstract IReadOnlyList<TResult> Execute(WriteQueue.Writer writer, IReadOnlyList<TItem> items);
}

/// <summary>Too many accepts are waiting for the writer: refuse now (503 with Retry-After) rather than queue.</summary>
public sealed class WriterBusyException() : Exception("too many requests are waiting to be stored");

public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
