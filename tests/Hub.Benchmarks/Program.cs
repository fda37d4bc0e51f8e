using BenchmarkDotNet.Running;
using Hub.Benchmarks;

// dotnet run -c Release --project tests/Hub.Benchmarks                 -> BenchmarkDotNet: the intake pipeline
//                                                                         (--filter '*Intake*'), evidence reports ('*Evidence*')
// dotnet run -c Release --project tests/Hub.Benchmarks -- load [n] [c] [rounds]
//                                                                      -> end-to-end load run into Azurite beside a bare durable start
// dotnet run -c Release --project tests/Hub.Benchmarks -- soak [n] [c] [seed] [redeliver s] -> referrals through their whole
//                                                                         compressed life with faults and process restarts
//                                                                         injected (issue 13); a dead worker's work comes back
//                                                                         after [redeliver s] (60, host.json's visibility timeout)
// dotnet run -c Release --project tests/Hub.Benchmarks -- evidence-load [referrals] [practices] [day's referrals]
//                                                                      -> stored evidence cells, daily update and MeasureReport over Azurite
if (args.Length > 0 && args[0] == "load")
{
    var referrals = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
    var concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16;
    var rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2;
    return await LoadRun.RunAsync(referrals, concurrency, rounds);
}

if (args.Length > 0 && args[0] == "soak")
{
    var referrals = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
    var concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;
    var seed = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 13;
    var redeliver = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 60;
    return await SoakRun.RunAsync(referrals, concurrency, seed, TimeSpan.FromSeconds(redeliver));
}

if (args.Length > 0 && args[0] == "evidence-load")
{
    var referrals = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50_000;
    var practices = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 200;
    var day = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1_000;
    return await EvidenceLoadRun.RunAsync(referrals, practices, day);
}

// dotnet run -c Release --project tests/Hub.Benchmarks -- evidence-lattice [referrals] [practices] [repeats]
//                                                                      -> the disclosure audit of block reports, in memory
if (args.Length > 0 && args[0] == "evidence-lattice")
{
    var referrals = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
    var practices = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100;
    var repeats = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5;
    return await EvidenceLatticeRun.RunAsync(referrals, practices, repeats);
}

// dotnet run -c Release --project tests/Hub.Benchmarks -- evidence-national [referrals a year] [years]
//                                                                      -> evidence cells at national scale, in memory
if (args.Length > 0 && args[0] == "evidence-national")
{
    var perYear = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_300_000;
    var years = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1;
    return await EvidenceNationalRun.RunAsync(perYear, years);
}

// dotnet run -c Release --project tests/Hub.Benchmarks -- evidence-national-day [day's new referrals] [earlier referrals moving on] [heap limit MB] [update batch]
//                                                                      -> a national day's evidence update and reports over Azurite; with
//                                                                         a heap limit, the update runs in a process of its own under it
if (args.Length > 0 && args[0] == "evidence-national-day")
{
    var day = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3_600;
    var moved = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    int? heapLimit = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : null;
    int? updateBatch = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : null;
    return await EvidenceNationalDayRun.RunAsync(day, moved, heapLimit, updateBatch);
}

// (its own child: the day's update over the tables of run [run], in a process whose heap the parent limited)
if (args.Length > 1 && args[0] == "evidence-national-day-update")
{
    return await EvidenceNationalDayRun.UpdateAsync(args[1]);
}

// dotnet run -c Release --project tests/Hub.Benchmarks -- crash-recovery [instances] [long activity seconds]
//                                                                      -> work a killed worker held, back after the queue
//                                                                         visibility timeout (1 minute vs 5), on Azurite (issue 13)
if (args.Length > 0 && args[0] == "crash-recovery")
{
    return await CrashRecoveryRun.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(IntakePipelineBenchmarks).Assembly).Run(args);
return 0;
