import XCTest
import SlicedWasserstein

final class SlicedWassersteinModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
