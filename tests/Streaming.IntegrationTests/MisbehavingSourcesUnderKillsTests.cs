using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Streaming.ClickHouse;
using Streaming.DevHost.Fleet;
using Streaming.DevHost.Simulation;
using Streaming.DevHost.Truth;
using Streaming.Events;
using Streaming.Kafka;
using Streaming.LocalServers;
using Streaming.Metrics;
using Streaming.Metrics.Bookings;
using Streaming.Metrics.ConcurrentUsers;
using Streaming.Metrics.Ledger;
using Streaming.Metrics.Popularity;
using Streaming.Metrics.RawEvents;
using Xunit.Abstractions;

namespace Streaming.IntegrationTests;

/// <summary>
/// Issue 12's misbehaving sources all in one run, with the aggregator and the sink (which runs the ledger's reconciler)
/// killed with SIGKILL at random points: app events sent twice (a whole batch, and overlapping stretches, before and
/// after kills), bookings from CDC (a snapshot, streaming, a redelivered stretch and a re-snapshot by a translator that
/// forgot), late events within the correction horizon and past it, rows deleted from the metric tables and events that
/// were never aggregated (in events_raw only). The aggregator and the sink run as processes against the local Kafka and a
/// real ClickHouse. At the end every row of the per-minute views equals the ground truth computed from the input with
/// each (user_id, event_id) once, every minute in the ledger is matched or repaired, and a second pass changes nothing.
/// </summary>
[Collection(Name)]
public sealed class MisbehavingSourcesUnderKillsTests(ITestOutputHelper output)
{
    public const string Name = "misbehaving-sources-kills";
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(25);
    private static readonly string[] AppTypes =
        [EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView, EventTypes.ProductView,
         EventTypes.WishlistAdd, EventTypes.WishlistAdd, EventTypes.Search, EventTypes.AppOpen, EventTypes.PageView];

    [Fact]
    public async Task Re_sent_late_unaggregated_deleted_and_CDC_bookings_end_exact_with_the_aggregator_and_the_reconciler_killed_at_random_points()
    {
        var logs = Path.Combine(ServiceLayout.RepositoryRoot(), "artifacts", "crash-tests", nameof(MisbehavingSourcesUnderKillsTests));
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Directory.CreateDirectory(logs);
        // STREAMING_KILL_SEED picks another run (data, kill points and victims); the seed is in the output.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("STREAMING_KILL_SEED"), CultureInfo.InvariantCulture, out var chosen) ? chosen : 12;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        // Minutes M0..M7 of the stream; the last ends about 4 minutes ago. Old minutes lie beyond the correction horizon.
        var first = ViewLines.MinuteOf(now).AddMinutes(-12);
        var old = first.AddMinutes(-30);
        var (deletedBookings, deletedOthers, unaggregatedMinute) = (first.AddMinutes(1), first.AddMinutes(3), first.AddMinutes(5));
        var phaseTwoFrom = first.AddMinutes(4);
        var catalog = new Catalog(seed, products: 24, users: 160);

        var app = AppEvents(catalog, "a", first, minutes: 8, count: 1600, random);
        var lateWithin = AppEvents(catalog, "lw", first, minutes: 1, count: 60, random).Concat(AppEvents(catalog, "lw2", first.AddMinutes(2), minutes: 1, count: 60, random)).ToList();
        var lateBeyond = AppEvents(catalog, "lb", old, minutes: 3, count: 90, random);
        var unaggregated = AppEvents(catalog, "un", unaggregatedMinute, minutes: 1, count: 60, random);

        await using var rig = await Rig.StartAsync(logs);
        using var producer = new KafkaClients(Options.Create(new KafkaOptions { BootstrapServers = rig.Kafka.BootstrapServers })).CreateProducer("misbehaving-sources");
        using var cdc = new BookingChangeWriter(rig.Kafka.BootstrapServers, Topics.CdcBookings, seed);
        var table = cdc.Table;

        // The bookings table before the connector starts: confirmed in M0..M2, read by its first snapshot (op r).
        foreach (var booking in Bookings(catalog, first, minutes: 3, count: 40, random, confirmedOnly: true))
        {
            table.Apply(booking, now);
        }

        var snapshot = table.Snapshot(now);
        // Then streamed changes in time order (inserts, confirmations, cancellations, abandoned holds), split at M4.
        var streamedBookings = Bookings(catalog, first, minutes: 8, count: 160, random, confirmedOnly: false);
        var changesOne = streamedBookings.Where(b => EventTime.Parse(b.OccurredAt!) < phaseTwoFrom).SelectMany(b => table.Apply(b, now)).ToList();
        var outcomesOne = table.Outcomes.Count;
        var changesTwo = streamedBookings.Where(b => EventTime.Parse(b.OccurredAt!) >= phaseTwoFrom).SelectMany(b => table.Apply(b, now)).ToList();

        var appOne = app.Where(e => e.OccurredAt < phaseTwoFrom).Chunk(200).ToList();
        var appTwo = app.Where(e => e.OccurredAt >= phaseTwoFrom).Chunk(200).ToList();
        var kills = new KillCounts();
        // Everything sent to the events topic, copies included: the ground truth counts each (user_id, event_id) once.
        var input = new List<AppEvent>();
        void Send(IEnumerable<AppEvent> events) => SendEvents(producer, input, events);

        try
        {
            // Phase 1, ledger off: the stream alone under kills, with a batch sent twice and a stretch overlapping two batches.
            var cdcOne = changesOne.Chunk((changesOne.Count + 3) / 4).ToList();
            cdc.Write(snapshot);
            for (var i = 0; i < 4; i++)
            {
                Send(appOne[i]);
                cdc.Write(cdcOne[i]);
                if (i == 1)
                {
                    Send(appOne[0]); // the same batch again (a retried POST)
                }
                else if (i == 2)
                {
                    Send([.. appOne[1][100..], .. appOne[2][..100]]); // a stretch overlapping two batches
                }

                if (i < 3)
                {
                    await Task.Delay(random.Next(100, 1500));
                    output.WriteLine($"phase 1, batch {i + 1}: SIGKILL of {await rig.KillAsync(i == 1 ? rig.Sink : rig.Aggregator, kills)}");
                }
            }

            var truthOne = input.Concat(ViewLines.BookingEvents(table.Outcomes[..outcomesOne])).ToList();
            await AssertViewsExactAsync(rig, ViewLines.Expected(truthOne), old, first, "phase 1, the stream alone");
            // All committed, so that no restart re-emits or re-inserts the rows deleted next.
            await WaitUntilCaughtUpAsync(rig.Kafka.BootstrapServers);

            // Gaps the stream does not know of: a minute's bookings rows and another minute's popularity and users rows
            // deleted by hand, and a partition's events that were never aggregated (in events_raw only).
            foreach (var (tableName, minute) in new[] { (BookingsTable.Table, deletedBookings), (PopularityTable.Table, deletedOthers), (ConcurrentUsersTable.Table, deletedOthers) })
            {
                await rig.ClickHouse.ExecuteAsync($"ALTER TABLE {Sql.Identifier(tableName)} DELETE WHERE window_start = {Sql.DateTime(minute)}");
                await Eventually.HoldsAsync(
                    () => rig.ClickHouse.ScalarAsync($"SELECT toString(count()) FROM {Sql.Identifier(tableName)} WHERE window_start = {Sql.DateTime(minute)}"),
                    c => c == "0", TimeSpan.FromSeconds(30), c => $"{c} rows left in {tableName}");
            }

            await rig.ClickHouse.InsertRowBinaryAsync(RawEventsTable.Table, unaggregated, RawEventsTable.Rows);

            // Phase 2: a crash of the sink, redeployed with the ledger on; then the rest of the sources' misbehaviour, each
            // step after a SIGKILL of the aggregator or of the sink (its reconciler mid-pass) at a random point.
            await rig.KillAsync(rig.Sink, kills, new Dictionary<string, string> { ["Ledger__Enabled"] = "true" });
            var cdcTwo = changesTwo.Chunk((changesTwo.Count + 3) / 4).ToList();
            var steps = new List<(string What, Action Send)>();
            for (var i = 0; i < appTwo.Count; i++)
            {
                var (events, changes) = (appTwo[i], i < cdcTwo.Count ? cdcTwo[i] : []);
                steps.Add(($"M4-M7 events {i + 1}/{appTwo.Count}", () => { Send(events); cdc.Write(changes); }));
            }

            steps.Insert(1, ("late events within the horizon (M0, M2)", () => Send(lateWithin)));
            steps.Insert(3, ("phase 1's first batch again", () => Send(appOne[0])));
            steps.Insert(5, ("a stretch overlapping two batches again", () => Send([.. appTwo[0][120..], .. appTwo[1][..80]])));
            steps.Insert(6, ("streamed booking changes redelivered", () => cdc.Write(changesTwo[..(changesTwo.Count / 2)])));
            steps.Add(("late events beyond the horizon", () => Send(lateBeyond)));
            steps.Add(("a re-snapshot of the bookings table", () => cdc.Write(table.Snapshot(now))));
            // A kill while the previous step is being worked on, before every step, victims in a seeded order; the
            // re-snapshot comes right after an aggregator kill, so the translator has forgotten every booking.
            var victims = new Queue<bool>(Enumerable.Range(0, steps.Count - 1).Select(i => i % 2 == 0).OrderBy(_ => random.Next()).Append(true));
            for (var i = 0; i < steps.Count; i++)
            {
                await Task.Delay(random.Next(0, 1500));
                var name = await rig.KillAsync(victims.Dequeue() ? rig.Aggregator : rig.Sink, kills);
                output.WriteLine($"SIGKILL of {name}, then {steps[i].What}");
                steps[i].Send();
            }

            // The reconciler works through the gaps now: kill it mid-pass a few more times.
            for (var i = 0; i < 2; i++)
            {
                await Task.Delay(random.Next(0, 2000));
                await rig.KillAsync(rig.Sink, kills);
            }

            output.WriteLine($"SIGKILLs: aggregator {kills.Aggregator}, sink {kills.Sink} (reconciler running in {kills.Reconciler})");
            // Everything sent is consumed and committed by every stage (so nothing still in flight can change the stream's results).
            await WaitUntilCaughtUpAsync(rig.Kafka.BootstrapServers);
            var truth = ViewLines.Expected([.. input, .. unaggregated, .. ViewLines.BookingEvents(table.Outcomes)]);
            Assert.True(table.Outcomes.Count(o => o.Type == EventTypes.BookingCancelled) > 10, "the run should cancel some bookings");
            await AssertViewsExactAsync(rig, truth, old, first, "after the kills");

            // Repairs would hide a stream error: the stream's own results (the tables without the repairs) count what went
            // through Kafka within the horizon exactly too, except where rows were deleted.
            var gaps = new[] { $"bookings|{deletedBookings.ToUnixTimeSeconds()}|", $"popularity|{deletedOthers.ToUnixTimeSeconds()}|", $"users|{deletedOthers.ToUnixTimeSeconds()}|" };
            var streamTruth = ViewLines.Expected([.. input.Where(e => e.OccurredAt >= first), .. ViewLines.BookingEvents(table.Outcomes)]); // not the events past the horizon
            streamTruth.RemoveWhere(l => gaps.Any(g => l.StartsWith(g, StringComparison.Ordinal)));
            await AssertStreamExactAsync(rig, streamTruth, gaps, first);

            // Every minute from the oldest event's to M7 checked, none due again, the gaps repaired.
            var ledger = await LedgerSettledAsync(rig, old, first.AddMinutes(8), after: 0);
            Assert.Equal(LedgerTable.Repaired, ledger[(deletedBookings, LedgerMetric.Bookings.Name)].Status);
            Assert.Equal(LedgerTable.Repaired, ledger[(deletedOthers, LedgerMetric.Popularity.Name)].Status);
            Assert.Equal(LedgerTable.Repaired, ledger[(deletedOthers, LedgerMetric.ConcurrentUsers.Name)].Status);
            Assert.Equal(LedgerTable.Repaired, ledger[(unaggregatedMinute, LedgerMetric.ConcurrentUsers.Name)].Status);
            Assert.Equal(LedgerTable.Repaired, ledger[(old, LedgerMetric.ConcurrentUsers.Name)].Status);

            // Kills that fell between a repair's rows and its marker leave a generation never marked (and never shown).
            var generations = string.Join(" UNION ALL ", LedgerMetrics.All.Select(m => $"SELECT generation FROM {m.RepairTable}"));
            var cutShort = await rig.ClickHouse.ScalarAsync(
                $"SELECT toString(uniqExact(generation)) FROM ({generations}) WHERE generation NOT IN (SELECT generation FROM {Repairs.Table})");
            output.WriteLine($"repairs cut short by a kill: {cutShort} generations written and never marked");

            // A second pass over the whole range (an operator's re-check) rewrites nothing and finds no difference.
            var markers = await rig.ClickHouse.ScalarAsync($"SELECT toString(count()) FROM {Repairs.Table}");
            var recheck = DateTimeOffset.UtcNow;
            await rig.ClickHouse.ExecuteAsync(LedgerTable.RecheckSql(old, first.AddMinutes(8), recheck));
            var second = await LedgerSettledAsync(rig, old, first.AddMinutes(8), after: recheck.ToUnixTimeMilliseconds());
            Assert.All(second.Values, r => Assert.Equal(0, r.DifferenceCount));
            Assert.Equal(markers, await rig.ClickHouse.ScalarAsync($"SELECT toString(count()) FROM {Repairs.Table}"));
            await AssertViewsExactAsync(rig, truth, old, first, "after the second pass");
            output.WriteLine($"{second.Count} (minute, metric) pairs checked twice, {second.Values.Count(r => r.Status == LedgerTable.Repaired)} repaired, {markers} repair markers");
        }
        catch
        {
            output.WriteLine($"logs in {logs}; aggregator: {rig.Aggregator.Tail()}\nsink: {rig.Sink.Tail()}");
            throw;
        }
    }

    private static void SendEvents(RecordProducer producer, List<AppEvent> input, IEnumerable<AppEvent> events)
    {
        // As ingest writes them: keyed by user, timestamped with the event time.
        foreach (var e in events)
        {
            input.Add(e);
            producer.Send(Topics.Events, e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.AppEvent), timestamp: e.OccurredAt);
        }

        producer.FlushAndThrowIfFailed(TimeSpan.FromSeconds(30));
    }

    /// <summary>Every row of the three per-minute views in the test's range, as lines, against the truth's (none provisional).</summary>
    private async Task AssertViewsExactAsync(Rig rig, HashSet<string> expected, DateTimeOffset old, DateTimeOffset first, string when)
    {
        var range = $"minute >= {Sql.DateTime(old.AddMinutes(-1))} AND minute < {Sql.DateTime(first.AddMinutes(10))}";
        var differences = await Eventually.HoldsAsync(
            async () =>
            {
                var seen = await ViewLines.ReadAsync(rig.ClickHouse, range);
                return ViewLines.Differences(expected, seen);
            },
            d => d.Count == 0,
            TimeSpan.FromSeconds(150),
            d => $"{when}: {d.Count} differences: {string.Join("; ", d.Take(8))}");
        Assert.Empty(differences);
        output.WriteLine($"{when}: {expected.Count} view rows exact");
    }

    /// <summary>Every consumer group of the aggregator and of the sink, and the topic it reads.</summary>
    private static readonly (string Group, string Topic)[] Stages =
    [
        ("aggregator.bookings-cdc", Topics.CdcBookings),
        ("aggregator.product-events-repartition", Topics.Events),
        ("aggregator.popularity", Topics.ProductEvents),
        ("aggregator.bookings", Topics.Events),
        ("aggregator.concurrent-users", Topics.Events),
        .. Streaming.Metrics.MetricCatalog.SinkTables.Select(t => ("clickhouse-sink." + t.Name, t.Topic)),
    ];

    /// <summary>Waits until every stage has committed up to the end of every partition of its topic.</summary>
    private static async Task WaitUntilCaughtUpAsync(string bootstrap)
    {
        foreach (var (group, topic) in Stages)
        {
            using var probe = new Confluent.Kafka.ConsumerBuilder<string, byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
            var partitions = Enumerable.Range(0, Topics.DefaultPartitions[topic]).Select(p => new Confluent.Kafka.TopicPartition(topic, p)).ToList();
            await Eventually.HoldsAsync(
                () => Task.FromResult(partitions.Sum(tp => probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value)
                    - probe.Committed(partitions, TimeSpan.FromSeconds(5)).Sum(c => Math.Max(0, c.Offset.Value))),
                lag => lag <= 0,
                TimeSpan.FromSeconds(120),
                lag => $"group {group} still {lag} records behind on {topic}");
        }
    }

    /// <summary>The latest version of every partial in the metric tables, summed over partitions and incarnations: the views without repairs.</summary>
    private async Task AssertStreamExactAsync(Rig rig, HashSet<string> expected, string[] gaps, DateTimeOffset first)
    {
        var range = $"window_start >= {Sql.DateTime(first.AddMinutes(-1))} AND window_start < {Sql.DateTime(first.AddMinutes(10))}";
        static string Latest(string table, string keys, string values, string range) =>
            $"SELECT {keys}, {values}, argMax(provisional, version) AS p FROM {table} WHERE {range} GROUP BY {keys}, source_partition, incarnation";
        var differences = await Eventually.HoldsAsync(
            async () =>
            {
                var seen = (await rig.ClickHouse.QueryAsync(
                        $"SELECT concat('users|', toString(toUInt32(window_start)), '|', dimension, '|', dimension_value, '|', toString(sum(u)), '|', toString(max(p))) AS line " +
                        $"FROM ({Latest(ConcurrentUsersTable.Table, "window_start, dimension, dimension_value", "argMax(users, version) AS u", range)}) " +
                        $"GROUP BY window_start, dimension, dimension_value HAVING sum(u) > 0 " +
                        $"UNION ALL SELECT concat('bookings|', toString(toUInt32(window_start)), '|', dimension, '|', dimension_value, '|', currency, '|', toString(sum(b)), '|', " +
                        $"toString(sum(c)), '|', toString(sum(r)), '|', toString(sum(cr)), '|', toString(max(p))) AS line " +
                        $"FROM ({Latest(BookingsTable.Table, "window_start, dimension, dimension_value, currency", "argMax(bookings, version) AS b, argMax(cancellations, version) AS c, argMax(revenue_minor, version) AS r, argMax(cancelled_revenue_minor, version) AS cr", range)}) " +
                        $"GROUP BY window_start, dimension, dimension_value, currency " +
                        $"UNION ALL SELECT concat('popularity|', toString(toUInt32(window_start)), '|', product_id, '|', toString(sum(v)), '|', toString(sum(w)), '|', toString(sum(b)), '|', " +
                        $"toString(sum(s)), '|', toString(max(p))) AS line " +
                        $"FROM ({Latest(PopularityTable.Table, "window_start, product_id", "argMax(views, version) AS v, argMax(wishlists, version) AS w, argMax(bookings, version) AS b, argMax(score, version) AS s", range)}) " +
                        $"GROUP BY window_start, product_id",
                        LedgerTestJson.Default.LineRow))
                    .Select(r => r.Line).Where(l => !gaps.Any(g => l.StartsWith(g, StringComparison.Ordinal))).ToHashSet(StringComparer.Ordinal);
                return expected.Except(seen).Select(l => "missing " + l).Concat(seen.Except(expected).Select(l => "unexpected " + l)).ToList();
            },
            d => d.Count == 0,
            TimeSpan.FromSeconds(120),
            d => $"the stream's own results: {d.Count} differences: {string.Join("; ", d.Take(8))}");
        Assert.Empty(differences);
        output.WriteLine($"the stream's own results: {expected.Count} rows exact");
    }

    /// <summary>
    /// Waits until every (minute, metric) of [from, to) has a ledger row newer than <paramref name="after"/> that is matched
    /// or repaired, and no minute is due again (the raw events it saw are all that arrived); returns the latest rows.
    /// </summary>
    private static async Task<Dictionary<(DateTimeOffset, string), LedgerStateLine>> LedgerSettledAsync(Rig rig, DateTimeOffset from, DateTimeOffset to, long after)
    {
        var range = $"minute >= {Sql.DateTime(from)} AND minute < {Sql.DateTime(to)}";
        var expected = (int)(to - from).TotalMinutes * LedgerMetrics.All.Count;
        var rows = await Eventually.HoldsAsync(
            () => rig.ClickHouse.QueryAsync(
                $"SELECT toUInt32(l.minute) AS minute_unix, l.metric AS metric, l.last_status AS status, l.last_difference_count AS difference_count, " +
                $"l.last_version AS version, l.last_raw_events AS raw_events, a.arrived AS arrived FROM " +
                $"(SELECT minute, metric, argMax(status, version) AS last_status, argMax(difference_count, version) AS last_difference_count, " +
                $"max(version) AS last_version, argMax(raw_events, version) AS last_raw_events FROM {LedgerTable.Table} WHERE {range} GROUP BY minute, metric) AS l " +
                $"LEFT JOIN (SELECT minute, sum(events) AS arrived FROM {LedgerTable.Arrivals} WHERE {range} GROUP BY minute) AS a ON l.minute = a.minute",
                KillTestJson.Default.LedgerStateLine),
            r => r.Count == expected && r.All(l => l.Version > after && l.Status is LedgerTable.Matched or LedgerTable.Repaired && l.RawEvents == l.Arrived),
            TimeSpan.FromSeconds(120),
            r => $"{r.Count} of {expected} (minute, metric) pairs; not settled: " +
                string.Join(", ", r.Where(l => !(l.Version > after && l.Status is LedgerTable.Matched or LedgerTable.Repaired && l.RawEvents == l.Arrived))
                    .Take(8).Select(l => $"{DateTimeOffset.FromUnixTimeSeconds(l.MinuteUnix):HH:mm} {l.Metric} {l.Status} raw {l.RawEvents}/{l.Arrived}")));
        return rows.ToDictionary(r => (DateTimeOffset.FromUnixTimeSeconds(r.MinuteUnix), r.Metric));
    }

    /// <summary>App events (no bookings: they come from CDC) of catalog users over some minutes, in time order with a few seconds of disorder.</summary>
    private static List<AppEvent> AppEvents(Catalog catalog, string prefix, DateTimeOffset from, int minutes, int count, Random random)
    {
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = from.AddTicks((span * i / count) + (random.Next(0, 3_000) * TimeSpan.TicksPerMillisecond));
            at = at < from.AddTicks(span) ? at : from.AddTicks(span - 1);
            var type = AppTypes[random.Next(AppTypes.Length)];
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var product = type is EventTypes.ProductView or EventTypes.WishlistAdd ? catalog.Products[random.Next(catalog.Products.Count)] : null;
            return new AppEvent($"{prefix}-{i}", type, user.Id, "s-" + user.Id, product?.Id, at, user.Platform, user.Country, product?.City ?? user.City, null, null,
                at.AddSeconds(1), product?.Category);
        })];
    }

    /// <summary>Booking events for the simulated table (it turns them into rows and changes), in time order.</summary>
    private static List<IncomingEvent> Bookings(Catalog catalog, DateTimeOffset from, int minutes, int count, Random random, bool confirmedOnly)
    {
        var span = TimeSpan.FromMinutes(minutes).Ticks;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = from.AddTicks(span * i / count);
            var type = confirmedOnly || random.NextDouble() < 0.8 ? EventTypes.BookingConfirmed : EventTypes.BookingCancelled;
            var user = catalog.Users[random.Next(catalog.Users.Count)];
            var product = catalog.Products[random.Next(catalog.Products.Count)];
            return new IncomingEvent("b", type, user.Id, "s-" + user.Id, product.Id, at.ToString("O", CultureInfo.InvariantCulture), user.Platform, user.Country,
                product.City, product.PriceMinor, product.Currency, product.Category);
        })];
    }

    private sealed class KillCounts
    {
        public int Aggregator { get; set; }

        public int Sink { get; set; }

        /// <summary>Sink kills while its ledger was on.</summary>
        public int Reconciler { get; set; }
    }

    /// <summary>The local Kafka, a ClickHouse of its own, and the aggregator (CDC mode) and the sink as processes.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly HttpClient http = new();
        private bool ledgerOn;

        private Rig(LocalKafkaCluster kafka, LocalClickHouseServer server, string database)
        {
            Kafka = kafka;
            Server = server;
            ClickHouse = new ClickHouseClient(http, Options.Create(new ClickHouseOptions { Url = server.Url, Database = database }));
        }

        public LocalKafkaCluster Kafka { get; }

        public LocalClickHouseServer Server { get; }

        public ServiceProcess Aggregator { get; private set; } = null!;

        public ServiceProcess Sink { get; private set; } = null!;

        public ClickHouseClient ClickHouse { get; }

        public static async Task<Rig> StartAsync(string logs)
        {
            var kafka = LocalKafkaCluster.Start(1, Topics.DefaultPartitions);
            LocalClickHouseServer server;
            try
            {
                server = await LocalClickHouseServer.StartAsync(Path.Combine(logs, "clickhouse"));
            }
            catch
            {
                kafka.Dispose();
                throw;
            }

            var database = "kill_" + Guid.NewGuid().ToString("N")[..10];
            var environment = new Dictionary<string, string>
            {
                ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
                ["Kafka__SessionTimeoutMs"] = "4000",
                ["ClickHouse__Url"] = server.Url,
                ["ClickHouse__Database"] = database,
                ["Bookings__Source"] = BookingsOptions.FromCdc,
                ["Aggregator__Grace"] = "00:00:02",
                ["Aggregator__IdleTimeout"] = "00:00:01",
                ["Aggregator__CorrectionHorizon"] = Horizon.ToString("c", CultureInfo.InvariantCulture),
                ["Topology__CheckpointInterval"] = "00:00:00.500",
                ["Topology__CommitInterval"] = "00:00:00.500",
                ["Sink__BatchAge"] = "00:00:00.200",
                // Off until the gaps are made (phase 2 turns it on); then minutes are due 5 s after they end.
                ["Ledger__Enabled"] = "false",
                ["Ledger__CheckDelay"] = "00:00:05",
                ["Ledger__Interval"] = "00:00:01",
                ["Ledger__RepairWithin"] = "00:00:30",
            };
            var rig = new Rig(kafka, server, database);
            try
            {
                rig.Aggregator = ServiceProcess.Start(LocalFleet.Aggregator, ServiceLayout.ServiceDll(LocalFleet.Aggregator), LoopbackPorts.Free(),
                    Path.Combine(logs, "aggregator.log"), environment);
                rig.Sink = ServiceProcess.Start(LocalFleet.ClickHouseSink, ServiceLayout.ServiceDll(LocalFleet.ClickHouseSink), LoopbackPorts.Free(),
                    Path.Combine(logs, "sink.log"), environment);
                await Task.WhenAll(WaitReadyAsync(rig.Aggregator), WaitReadyAsync(rig.Sink));
                return rig;
            }
            catch
            {
                await rig.DisposeAsync(); // stops whatever started, then ClickHouse and Kafka
                throw;
            }
        }

        /// <summary>SIGKILLs a service and starts it again (with <paramref name="changes"/> to its settings); returns once it is ready.</summary>
        public async Task<string> KillAsync(ServiceProcess victim, KillCounts kills, IReadOnlyDictionary<string, string>? changes = null)
        {
            var restarted = await victim.CrashAndRestartAsync(changes);
            if (ReferenceEquals(victim, Aggregator))
            {
                Aggregator = restarted;
                kills.Aggregator++;
            }
            else
            {
                Sink = restarted;
                kills.Sink++;
                kills.Reconciler += ledgerOn ? 1 : 0;
                ledgerOn |= changes?.GetValueOrDefault("Ledger__Enabled") == "true";
            }

            await WaitReadyAsync(restarted);
            return restarted.Name;
        }

        // The sink's readiness includes the migrated schema, which its reconciler waits for.
        private static Task WaitReadyAsync(ServiceProcess service) =>
            service.WaitUntilHealthyAsync(service.Name == LocalFleet.ClickHouseSink ? "/readyz" : "/healthz", TimeSpan.FromSeconds(90), CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAll(new[] { Aggregator, Sink }.Where(s => s is not null).Select(s => s.DisposeAsync().AsTask()));
            await Server.DisposeAsync();
            Kafka.Dispose();
            http.Dispose();
        }
    }
}

internal sealed record LedgerStateLine(long MinuteUnix, string Metric, string Status, long DifferenceCount, long Version, long RawEvents, long Arrived);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LedgerStateLine))]
internal sealed partial class KillTestJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Runs alone: it starts processes of its own and kills them.</summary>
[CollectionDefinition(MisbehavingSourcesUnderKillsTests.Name, DisableParallelization = true)]
public sealed class MisbehavingSourcesUnderKillsCollection
{
}
