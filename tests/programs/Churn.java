// Churn.java - a small allocation-heavy Java program: the JVM commits, uncommits
// and re-commits heap memory with MAP_FIXED over its own reservations. Prints a
// checksum that depends only on the work done, so runs can be compared.
import java.util.ArrayList;
import java.util.List;

public class Churn {
    public static void main(String[] args) {
        long sum = 0;
        List<int[]> keep = new ArrayList<>();
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < 2000; i++) {
                int[] a = new int[1024 + (i % 7) * 256];
                a[0] = round * i;
                sum += a[0] + a.length;
                if (i % 50 == 0)
                    keep.add(a);
            }
            if (keep.size() > 400)
                keep.subList(0, 200).clear();
            if (round % 10 == 0)
                System.gc();
        }
        System.out.println("churn " + sum + " " + keep.size());
    }
}
