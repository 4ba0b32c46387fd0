// bench/KeyFlood: authenticates N distinct well-formed unknown access keys (default 1,000,000) against the server's own
// AccessKeyStore over a SQLite file, and reports the managed heap before and after, and how many unknown keys are cached.
//   dotnet bench/KeyFlood/bin/Release/net10.0/KeyFlood.dll [N]
using System.Diagnostics;
using System.Globalization;
using DumGum.AccessKeys;
using DumGum.Storage;
using Microsoft.Extensions.Logging.Abstractions;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var path = Path.Combine(Path.GetTempPath(), $"keyflood-{Guid.NewGuid():N}.db");
try
{
    var database = Database.Sqlite(path);
    using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
    var keys = new AccessKeyStore(database, writes, TimeProvider.System);
    keys.Authenticate(AccessKeyFormat.NewKey());   // warm up: connection pool, statements
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var watch = Stopwatch.StartNew();
    long peak = 0;
    for (var i = 1; i <= count; i++)
    {
        if (keys.Authenticate(AccessKeyFormat.NewKey()) is not null) throw new InvalidOperationException("an unknown key was accepted");
        if (i % 100_000 == 0)
        {
            var now = GC.GetTotalMemory(forceFullCollection: true) - before;
            peak = Math.Max(peak, now);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i,9:N0} keys  {watch.Elapsed.TotalSeconds,6:0.0} s  heap +{now / 1048576.0,6:0.0} MB  unknown keys cached {keys.UnknownKeysCached:N0}"));
        }
    }
    var after = GC.GetTotalMemory(forceFullCollection: true) - before;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT: {count:N0} distinct unknown keys in {watch.Elapsed.TotalSeconds:0.0} s ({count / watch.Elapsed.TotalSeconds:N0}/s); heap growth at the end +{after / 1048576.0:0.0} MB, peak +{peak / 1048576.0:0.0} MB; unknown keys cached {keys.UnknownKeysCached:N0} (limit {AccessKeyStore.MaxUnknownKeys:N0})"));
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    foreach (var f in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*")) File.Delete(f);
}
